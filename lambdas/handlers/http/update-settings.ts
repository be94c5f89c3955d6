import { merchantRoute } from '../../http/route';
import * as Merchants from '../../merchants/merchant';

export const handler = merchantRoute({ body: Merchants.settingsPatchInput }, async ({ merchantId, body }) => ({
  settings: await Merchants.updateSettings(merchantId, body),
}));
