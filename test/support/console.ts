import * as People from '../../lambdas/people';
import type { Role } from '../../lambdas/people';
import { api } from './api';
import type { TestMerchant } from './factories';
import { unique } from './factories';
import { stack, useStackTable } from './stack';

/**
 * The console over HTTP, signed in with a session made in the test's own process (the sign-in mail
 * flow has tests of its own): a member of the merchant with a role, and their page loads and form
 * posts. Importing this points lambdas/ at the stack before its configuration is first read.
 */
useStackTable();
Object.assign(process.env, { TALLY_RUNTIME: 'local', TALLY_PUBLIC_URL: stack().publicUrl });

export interface ConsoleBrowser {
  email: string;
  cookie: string;
  csrfToken: string;
}

/** A new member of the merchant with this role, signed in. */
export const signIn = async (merchant: TestMerchant, role: Role): Promise<ConsoleBrowser> => {
  const email = `${unique(role)}@example.com`;
  expect((await api('POST', '/v1/merchant/users', { key: merchant.apiKey, body: { email, role } })).status).toBe(201);
  const session = await People.createSession({ area: 'console', email, merchantId: merchant.merchantId, role }, new Date());
  return { email, cookie: session.cookie.split(';')[0] as string, csrfToken: session.csrfToken };
};

/** `/affiliates` is the console's; a full path (`/console/…`, `/portal/…`) is taken as it is. */
const pagePath = (path: string) => (/^\/(console|portal)(\/|$)/.test(path) ? path : `/console${path}`);

/** A page in test mode (unless the query says otherwise). */
export const open = (browser: ConsoleBrowser, path: string, query: Record<string, string> = {}) =>
  api<string>('GET', pagePath(path), { headers: { cookie: browser.cookie }, query: { mode: 'test', ...query } });

/** A form post with the session's CSRF token, from the console's own origin. */
export const submit = (browser: ConsoleBrowser, path: string, fields: Record<string, string> = {}) =>
  api<string>('POST', pagePath(path), {
    headers: { cookie: browser.cookie, 'content-type': 'application/x-www-form-urlencoded', origin: stack().publicUrl },
    rawBody: new URLSearchParams({ _csrf: browser.csrfToken, mode: 'test', ...fields }).toString(),
  });
