import * as z from 'zod';
import * as Connect from '../../connect/connection';
import { unusableLinkPage } from '../../http/errors';
import { redirect } from '../../http/response';
import { publicRoute } from '../../http/route';

const startQuery = z.object({ state: z.string().max(2048).optional() });

/**
 * The connection link the merchant's admin opens: binds the flow to this browser with a cookie,
 * then 302s to Stripe's OAuth page. A bad, expired or already opened link gets a plain 400 page.
 */
export const handler = publicRoute({ query: startQuery }, async ({ query }) => {
  try {
    const { url, cookie } = await Connect.startOAuth(query.state);
    return { ...redirect(url), cookies: [cookie] };
  } catch (error) {
    return unusableLinkPage(error);
  }
});
