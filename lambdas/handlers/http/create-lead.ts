import { merchantRoute } from '../../http/route';
import * as Leads from '../../leads/leads';
import { serverLeadInput } from '../../leads/schema';

/** A trusted lead from the merchant's server → 201 `{lead}`. */
export const handler = merchantRoute({ body: serverLeadInput, status: 201 }, async ({ merchantId, body }) => ({ lead: await Leads.record(merchantId, body) }));
