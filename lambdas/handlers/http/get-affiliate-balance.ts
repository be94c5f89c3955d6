import { idParam, modeQuery } from '../../core/schemas';
import { merchantRoute } from '../../http/route';
import { balance } from '../../ledger/balance';

export const handler = merchantRoute({ query: modeQuery, params: idParam }, ({ merchantId, query, params }) => balance(merchantId, query.mode, params.id));
