import { pageQuery } from '../../core/schemas';
import { merchantRoute } from '../../http/route';
import * as Plans from '../../plans/plan';

export const handler = merchantRoute({ query: pageQuery }, ({ merchantId, query }) => Plans.list(merchantId, query));
