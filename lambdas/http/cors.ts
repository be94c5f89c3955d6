/**
 * CORS for routes that any website may call from a browser (the tracking API). Any origin, and no
 * credentials: the calls carry a public key in their body and no cookies, so there is nothing a
 * foreign page could borrow.
 */
export const anyOriginCors: Record<string, string> = {
  'access-control-allow-origin': '*',
};

/** The answer to a browser's preflight: POST with a JSON content type, cached by the browser a day. */
export const anyOriginPreflight: Record<string, string> = {
  ...anyOriginCors,
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'content-type',
  'access-control-max-age': '86400',
};

/**
 * Tally's Stripe App calls from a sandboxed frame of the Stripe Dashboard, whose origin is not one
 * to list; the Stripe-Signature header, not the origin, is what authenticates it.
 */
export const stripeAppPreflight: Record<string, string> = {
  ...anyOriginPreflight,
  'access-control-allow-headers': 'content-type, stripe-signature',
};
