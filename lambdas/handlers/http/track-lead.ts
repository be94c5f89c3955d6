import { anyOriginCors } from '../../http/cors';
import { publicRoute } from '../../http/route';
import { leadInput, maxTrackingBodyBytes } from '../../tracking/schema';
import * as Tracking from '../../tracking/tracking';

/** A lead from a merchant's website → 202 `{accepted}`, whether or not an affiliate is credited. */
export const handler = publicRoute(
  { body: leadInput, status: 202, maxBodyBytes: maxTrackingBodyBytes, headers: anyOriginCors },
  async ({ body, event }) => {
    await Tracking.recordLead(body, { ip: event.requestContext.http.sourceIp });
    return { accepted: true };
  },
);
