import { merchantRoute } from '../../http/route';
import * as Merchants from '../../merchants/merchant';

export const handler = merchantRoute({}, ({ merchantId }) => Merchants.get(merchantId));
