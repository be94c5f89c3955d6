import * as Connect from '../../connect/connection';
import { modeQuery } from '../../core/schemas';
import { merchantRoute } from '../../http/route';

export const handler = merchantRoute({ query: modeQuery }, ({ merchantId, query }) => Connect.disconnect(merchantId, query.mode));
