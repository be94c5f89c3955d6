import { anyOriginCors } from '../../http/cors';
import { publicRoute } from '../../http/route';
import { maxTrackingBodyBytes, visitInput } from '../../tracking/schema';
import * as Tracking from '../../tracking/tracking';

/** A referral visit from a merchant's website → 202 `{accepted, cookieWindowDays}`, whatever the code. */
export const handler = publicRoute(
  { body: visitInput, status: 202, maxBodyBytes: maxTrackingBodyBytes, headers: anyOriginCors },
  async ({ body, event }) => ({ accepted: true, ...(await Tracking.recordVisit(body, { ip: event.requestContext.http.sourceIp })) }),
);
