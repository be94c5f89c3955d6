import { modeQuery, pageQuery } from '../../core/schemas';
import { merchantRoute } from '../../http/route';
import * as Ledger from '../../ledger/ledger';

export const handler = merchantRoute({ query: pageQuery.extend(modeQuery.shape).extend(Ledger.listCommissionsQuery.shape) }, ({ merchantId, query }) =>
  Ledger.listCommissions(merchantId, query.mode, query, query),
);
