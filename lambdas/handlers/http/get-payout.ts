import { idParam, modeQuery } from '../../core/schemas';
import { merchantRoute } from '../../http/route';
import * as Payouts from '../../ledger/payouts';

export const handler = merchantRoute({ query: modeQuery, params: idParam }, ({ merchantId, query, params }) => Payouts.get(merchantId, query.mode, params.id));
