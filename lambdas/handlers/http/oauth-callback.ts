import * as z from 'zod';
import * as Connect from '../../connect/connection';
import { requireSetting } from '../../core/config';
import { unusableLinkPage } from '../../http/errors';
import { redirect } from '../../http/response';
import { publicRoute } from '../../http/route';

const callbackQuery = z.object({
  code: z.string().max(512).optional(),
  state: z.string().max(2048).optional(),
  error: z.string().max(200).optional(),
});

/**
 * Stripe's redirect after the merchant approved (or refused) the connection. The merchant goes
 * back to their dashboard, or to the console's Stripe page when they have none, with
 * `stripe=connected` or `stripe=error&reason=…`; a state that is not ours, expired or already used,
 * or a browser that did not start the flow, gets a plain 400 page.
 */
export const handler = publicRoute({ query: callbackQuery }, async ({ query, event }) => {
  try {
    const outcome = await Connect.completeOAuth(query, event.cookies ?? []);
    const url = new URL(outcome.merchant.dashboardUrl ?? `${requireSetting('TALLY_PUBLIC_URL')}/console/stripe`);
    url.searchParams.set('stripe', 'connected' in outcome ? 'connected' : 'error');
    url.searchParams.set('mode', outcome.mode);
    if ('error' in outcome) url.searchParams.set('reason', outcome.error);
    return { ...redirect(url.toString()), cookies: [outcome.cookie] };
  } catch (error) {
    return unusableLinkPage(error);
  }
});
