import * as Affiliates from '../../affiliates/affiliate';
import { idParam } from '../../core/schemas';
import { merchantRoute } from '../../http/route';

export const handler = merchantRoute({ params: idParam }, ({ merchantId, params }) =>
  Affiliates.get(merchantId, params.id),
);
