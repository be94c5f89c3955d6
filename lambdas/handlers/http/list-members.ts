import { pageQuery } from '../../core/schemas';
import { merchantRoute } from '../../http/route';
import * as People from '../../people';

/** The merchant's team, paged like every list (`limit`, `cursor`). */
export const handler = merchantRoute({ query: pageQuery }, ({ merchantId, query }) => People.listMembersPage(merchantId, query));
