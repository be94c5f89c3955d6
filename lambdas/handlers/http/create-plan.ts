import { merchantRoute } from '../../http/route';
import * as Plans from '../../plans/plan';

export const handler = merchantRoute({ body: Plans.createPlanInput, status: 201 }, ({ merchantId, body }) =>
  Plans.create(merchantId, body),
);
