import { idParam } from '../../core/schemas';
import { json } from '../../http/response';
import { merchantRoute } from '../../http/route';
import * as People from '../../people';

/** 202: the portal access is recorded and a sign-in link is on its way to the affiliate's e-mail. */
export const handler = merchantRoute({ params: idParam }, async ({ merchantId, params }) =>
  json(202, await People.inviteAffiliate(merchantId, params.id)),
);
