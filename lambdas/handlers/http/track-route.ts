import type * as z from 'zod';
import { anyOriginCors } from '../../http/cors';
import { toErrorResponse } from '../../http/errors';
import { publicRoute } from '../../http/route';
import type { Client } from '../../tracking/tracking';
import { TrackingLimitedError } from '../../tracking/limits';
import { maxTrackingBodyBytes } from '../../tracking/schema';

/**
 * The shape both public tracking routes share (not a route itself): a bounded body from any origin,
 * 202 whatever happened, and a 429 over the abuse limits that says when to retry.
 */
export const trackRoute = <B extends z.ZodType>(body: B, record: (input: z.infer<B>, client: Client) => Promise<object>) =>
  publicRoute({ body, status: 202, maxBodyBytes: maxTrackingBodyBytes, headers: anyOriginCors }, async ({ body: input, event }) => {
    try {
      return { accepted: true, ...(await record(input, { ip: event.requestContext.http.sourceIp })) };
    } catch (error) {
      if (!(error instanceof TrackingLimitedError)) throw error;
      const refused = toErrorResponse(error);
      return { ...refused, headers: { ...refused.headers, 'retry-after': String(error.retryAfterSeconds) } };
    }
  });
