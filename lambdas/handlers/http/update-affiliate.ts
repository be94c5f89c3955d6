import * as Affiliates from '../../affiliates/affiliate';
import { updateAffiliateInput } from '../../affiliates/schema';
import { idParam } from '../../core/schemas';
import { merchantRoute } from '../../http/route';

export const handler = merchantRoute({ params: idParam, body: updateAffiliateInput }, ({ merchantId, params, body }) =>
  Affiliates.update(merchantId, params.id, body),
);
