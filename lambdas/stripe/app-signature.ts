import Stripe from 'stripe';
import { UnauthorizedError } from '../core/errors';

/** Stripe's own default: a signature older than five minutes is refused (replay protection). */
const toleranceSeconds = 300;

/** The Stripe Dashboard user and the account they are signed in to, as Stripe vouched for them. */
export interface StripeAppCaller {
  userId: string;
  accountId: string;
}

const rejected = (why: string) => new UnauthorizedError(`${why} Send the Stripe-Signature that fetchStripeSignature() gives.`);

const signedFields = (body: Buffer): { user_id: string; account_id: string } | undefined => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const { user_id, account_id } = (parsed ?? {}) as Record<string, unknown>;
  return typeof user_id === 'string' && typeof account_id === 'string' ? { user_id, account_id } : undefined;
};

/**
 * Checks a request from Tally's Stripe App. `fetchStripeSignature()` signs `{user_id, account_id}`
 * (in that key order, as JSON) like a webhook, with the app's signing secret; the body carries the
 * two fields (and may carry others, which are not signed). Anything unverifiable is a 401.
 */
export const verifyStripeAppRequest = (body: Buffer, signature: string | undefined, secret: string, now = Date.now()): StripeAppCaller => {
  if (!signature) throw rejected('The Stripe-Signature header is missing.');
  const fields = signedFields(body);
  if (!fields) throw rejected('The body must be JSON with the user_id and account_id that were signed.');
  const payload = JSON.stringify({ user_id: fields.user_id, account_id: fields.account_id });
  const verifier = Stripe.webhooks.signature;
  if (!verifier) throw new Error('This build of the stripe SDK cannot verify signatures');
  try {
    verifier.verifyHeader(payload, signature, secret, toleranceSeconds, undefined, now);
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) throw rejected('The signature does not match, or is too old.');
    throw error;
  }
  return { userId: fields.user_id, accountId: fields.account_id };
};
