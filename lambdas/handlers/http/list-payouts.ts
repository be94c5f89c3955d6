import { modeQuery, pageQuery } from '../../core/schemas';
import { merchantRoute } from '../../http/route';
import * as Payouts from '../../ledger/payouts';

export const handler = merchantRoute({ query: pageQuery.extend(modeQuery.shape).extend(Payouts.listPayoutsQuery.shape) }, ({ merchantId, query }) =>
  Payouts.list(merchantId, query.mode, query, query),
);
