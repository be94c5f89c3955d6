import * as Affiliates from '../../affiliates/affiliate';
import { listAffiliatesQuery } from '../../affiliates/schema';
import { pageQuery } from '../../core/schemas';
import { merchantRoute } from '../../http/route';

export const handler = merchantRoute({ query: pageQuery.extend(listAffiliatesQuery.shape) }, ({ merchantId, query }) =>
  Affiliates.list(merchantId, query, { status: query.status }),
);
