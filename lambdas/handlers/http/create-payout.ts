import { modeQuery } from '../../core/schemas';
import { merchantRoute } from '../../http/route';
import * as Payouts from '../../ledger/payouts';

export const handler = merchantRoute({ body: Payouts.createPayoutInput, query: modeQuery, status: 201 }, ({ merchantId, body, query }) =>
  Payouts.create(merchantId, query.mode, body),
);
