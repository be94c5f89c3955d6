import { merchantRoute } from '../../http/route';
import * as People from '../../people';

/** 201: the member (a new one, or the same e-mail with its new role); a sign-in link is mailed. */
export const handler = merchantRoute({ body: People.inviteMemberInput, status: 201 }, ({ merchantId, body }) =>
  People.inviteMember(merchantId, body),
);
