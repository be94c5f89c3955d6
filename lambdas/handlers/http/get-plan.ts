import { idParam } from '../../core/schemas';
import { merchantRoute } from '../../http/route';
import * as Plans from '../../plans/plan';

export const handler = merchantRoute({ params: idParam }, ({ merchantId, params }) => Plans.get(merchantId, params.id));
