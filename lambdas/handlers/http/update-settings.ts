import { merchantRoute } from '../../http/route';
import * as Merchants from '../../merchants/merchant';

/** `{settings, resyncJob?}`: turning auto-sync on starts a bulk resync. */
export const handler = merchantRoute({ body: Merchants.settingsPatchInput }, ({ merchantId, body }) =>
  Merchants.updateSettings(merchantId, body),
);
