import * as z from 'zod';
import * as Connect from '../../connect/connection';
import { TallyError } from '../../core/errors';
import { publicRoute } from '../../http/route';
import { html, redirect } from '../../http/response';

const callbackQuery = z.object({
  code: z.string().max(512).optional(),
  state: z.string().max(2048).optional(),
  error: z.string().max(200).optional(),
});

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (text: string) => text.replace(/[&<>"']/g, (char) => escapes[char] as string);

const page = (status: number, title: string, text: string) =>
  html(status, `<!doctype html><meta charset="utf-8"><title>${escape(title)}</title><h1>${escape(title)}</h1><p>${escape(text)}</p>`);

/**
 * Stripe's redirect after the merchant approved (or refused) the connection. The merchant goes
 * back to their dashboard with `stripe=connected` or `stripe=error&reason=…`; a state that is not
 * ours, expired or already used gets a plain 400 page.
 */
export const handler = publicRoute({ query: callbackQuery }, async ({ query }) => {
  try {
    const outcome = await Connect.completeOAuth(query);
    const target = outcome.merchant.dashboardUrl;
    if (!target) return 'connected' in outcome
      ? page(200, 'Stripe connected', `Your ${outcome.mode} Stripe account is connected to Tally. You can close this window.`)
      : page(200, 'Stripe not connected', `The connection did not complete (${outcome.error}).`);
    const url = new URL(target);
    url.searchParams.set('stripe', 'connected' in outcome ? 'connected' : 'error');
    url.searchParams.set('mode', outcome.mode);
    if ('error' in outcome) url.searchParams.set('reason', outcome.error);
    return redirect(url.toString());
  } catch (error) {
    if (error instanceof TallyError && error.status === 400) return page(400, 'This link cannot be used', error.message);
    throw error;
  }
});
