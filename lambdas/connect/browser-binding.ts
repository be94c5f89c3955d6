import { createHash, randomBytes } from 'node:crypto';

/**
 * Ties an OAuth flow to the browser that started it, so that a leaked connection link cannot be
 * completed by someone else's browser (connect-CSRF: their Stripe account on this merchant). The
 * start page (`/oauth/stripe/start`) sets a random secret in a cookie and stores only its digest
 * with the state's nonce; the callback completes only with that cookie. One cookie per state, so
 * two flows in two tabs (live and test) do not overwrite each other. Pure: cookies in, cookies out.
 */
export const cookiePath = '/oauth/stripe';

const cookieName = (nonce: string) => `tally_oauth_${nonce}`;

export const newBrowserSecret = (): string => randomBytes(32).toString('base64url');

export const browserDigest = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('base64url');

/** `Set-Cookie` for the flow of one state: HttpOnly, SameSite=Lax (Stripe's redirect back is a top-level GET), only as long as the state lives. */
export const bindingCookie = (nonce: string, secret: string, maxAgeSeconds: number, secure: boolean): string =>
  [`${cookieName(nonce)}=${secret}`, `Path=${cookiePath}`, `Max-Age=${Math.max(0, maxAgeSeconds)}`, 'HttpOnly', 'SameSite=Lax', ...(secure ? ['Secure'] : [])].join('; ');

/** The same cookie, expired: the callback spends it with the state. */
export const clearedBindingCookie = (nonce: string, secure: boolean): string => bindingCookie(nonce, '', 0, secure);

/** The secret this browser holds for a state, from the request's `name=value` cookies. */
export const bindingSecret = (cookies: readonly string[], nonce: string): string | undefined => {
  const prefix = `${cookieName(nonce)}=`;
  const value = cookies.find((cookie) => cookie.startsWith(prefix))?.slice(prefix.length);
  return value || undefined;
};
