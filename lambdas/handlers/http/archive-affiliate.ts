import * as Affiliates from '../../affiliates/affiliate';
import { idParam } from '../../core/schemas';
import { merchantRoute } from '../../http/route';

export const handler = merchantRoute({ params: idParam }, ({ merchantId, params }) =>
  Affiliates.archive(merchantId, params.id),
);
