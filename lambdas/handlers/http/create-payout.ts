import { modeQuery } from '../../core/schemas';
import { json } from '../../http/response';
import { merchantRoute } from '../../http/route';
import * as Payouts from '../../ledger/payouts';

/** 201 with the payout when it was paid within the request; 202 while it finishes on its own. */
export const handler = merchantRoute({ body: Payouts.createPayoutInput, query: modeQuery }, async ({ merchantId, body, query }) => {
  const { payout, finished } = await Payouts.create(merchantId, query.mode, body);
  return json(finished ? 201 : 202, payout);
});
