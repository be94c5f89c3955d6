import type { IncomingHttpHeaders } from 'node:http';
import type { Mode } from './defaults';
import { oauthError, stripeError, type ApiError } from './errors';
import type { EmulatorState } from './state';
import type { Scope } from './store';

export interface Caller {
  key: string;
  mode: Mode;
  /** Platform secret keys may act on connected accounts with `Stripe-Account`; OAuth access tokens act on their own account only. */
  platformKey: boolean;
}

function bearerKey(headers: IncomingHttpHeaders): string | null {
  const header = headers.authorization;
  if (!header) return null;
  const [scheme, value = ''] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer') return value.trim() || null;
  if (scheme?.toLowerCase() === 'basic') {
    // curl -u sk_test_…: sends `key:` base64-encoded.
    return Buffer.from(value, 'base64').toString('utf8').split(':')[0] || null;
  }
  return null;
}

/** Stripe shows only a key's prefix and last four characters. */
function redact(key: string): string {
  const prefix = /^[a-z]+_(test|live)_/.exec(key)?.[0] ?? '';
  return `${prefix}${'*'.repeat(Math.max(0, key.length - prefix.length - 4))}${key.slice(-4)}`;
}

/**
 * Who is calling, and on which account: the key gives the mode, `Stripe-Account` the connected account
 * (the platform's own when absent). OAuth endpoints answer refusals in OAuth's shape.
 */
export function authenticate(state: EmulatorState, headers: IncomingHttpHeaders, oauth: boolean): { caller: Caller; scope: Scope } | ApiError {
  const key = bearerKey(headers);
  if (!key) {
    const message =
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.";
    return oauth ? oauthError(401, 'invalid_client', message) : stripeError(401, { type: 'invalid_request_error', message });
  }
  const platform = state.credentials;
  const platformMode = (Object.keys(platform.secretKeys) as Mode[]).find((mode) => platform.secretKeys[mode] === key);
  const token = platformMode ? undefined : state.oauth.accessToken(key);
  if (!platformMode && !token) {
    const message = `Invalid API Key provided: ${redact(key)}`;
    return oauth ? oauthError(401, 'invalid_client', message) : stripeError(401, { type: 'invalid_request_error', message });
  }
  if (oauth && !platformMode) {
    return oauthError(401, 'invalid_client', 'OAuth requests must be made with the platform secret key.');
  }
  const mode = platformMode ?? (token as { mode: Mode }).mode;
  const caller: Caller = { key, mode, platformKey: Boolean(platformMode) };
  if (token) return { caller, scope: { mode, account: token.account } };
  const header = headers['stripe-account'];
  const requested = Array.isArray(header) ? header[0] : header;
  if (!requested || oauth) return { caller, scope: { mode, account: platform.platformAccountId } };
  if (!state.accounts.canAccess(mode, requested)) {
    return stripeError(403, {
      type: 'invalid_request_error',
      code: 'account_invalid',
      message: `The provided key '${redact(key)}' does not have access to account '${requested}' (or that account does not exist). Application access may have been revoked.`,
    });
  }
  return { caller, scope: { mode, account: requested } };
}
