import { resyncAffiliate } from '../../coupon-sync/requests';
import { idParam, modeQuery } from '../../core/schemas';
import { json } from '../../http/response';
import { merchantRoute } from '../../http/route';

/** 202: the sync is queued; the affiliate shows `pending` in the mode until it is done. */
export const handler = merchantRoute({ params: idParam, query: modeQuery }, async ({ merchantId, params, query }) =>
  json(202, await resyncAffiliate(merchantId, params.id, query.mode)),
);
