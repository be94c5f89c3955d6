import { startResync } from '../../coupon-sync/requests';
import { modeQuery } from '../../core/schemas';
import { json } from '../../http/response';
import { merchantRoute } from '../../http/route';

/** 202 `{job}`: poll `GET /v1/coupon-resync/{jobId}` for its counts. */
export const handler = merchantRoute({ query: modeQuery }, async ({ merchantId, query }) =>
  json(202, { job: await startResync(merchantId, query.mode) }),
);
