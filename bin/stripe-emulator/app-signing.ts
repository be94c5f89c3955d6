import { signatureHeader } from './deliveries';

export interface AppSignature {
  /** The exact JSON the backend must verify: `{"user_id":"usr_…","account_id":"acct_…"}`, in that key order. */
  payload: string;
  /** A `Stripe-Signature`-style header, `t=…,v1=…`. */
  signature: string;
}

/**
 * What a Stripe App's `fetchStripeSignature()` gives its backend: the dashboard user and account,
 * signed with the app's signing secret as webhooks are, so that
 * `stripe.webhooks.signature.verifyHeader(payload, signature, secret)` accepts it. Signed at the real
 * time (not the emulator's clock), since the verifier checks it against its own.
 */
export function signAppRequest(secret: string, userId: string, accountId: string, timestamp = Math.floor(Date.now() / 1000)): AppSignature {
  const payload = JSON.stringify({ user_id: userId, account_id: accountId });
  return { payload, signature: signatureHeader(payload, secret, timestamp) };
}
