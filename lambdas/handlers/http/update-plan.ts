import { idParam } from '../../core/schemas';
import { merchantRoute } from '../../http/route';
import * as Plans from '../../plans/plan';

export const handler = merchantRoute({ params: idParam, body: Plans.updatePlanInput }, ({ merchantId, params, body }) =>
  Plans.update(merchantId, params.id, body),
);
