import * as Affiliates from '../../affiliates/affiliate';
import { createAffiliateInput } from '../../affiliates/schema';
import { merchantRoute } from '../../http/route';

export const handler = merchantRoute({ body: createAffiliateInput, status: 201 }, ({ merchantId, body }) =>
  Affiliates.create(merchantId, body),
);
