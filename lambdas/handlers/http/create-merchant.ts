import { operatorRoute } from '../../http/route';
import * as Merchants from '../../merchants/merchant';

export const handler = operatorRoute({ body: Merchants.createMerchantInput, status: 201 }, ({ body }) =>
  Merchants.create(body),
);
