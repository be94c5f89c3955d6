import * as z from 'zod';
import { referralCodeSchema } from '../affiliates/schema';
import { modeSchema } from '../core/mode';
import { email, httpUrl } from '../core/schemas';

/**
 * The public tracking API's input (SPEC section 4). Anyone can call it with a merchant's public
 * tracking key, so every field is bounded and unknown fields are refused.
 */

export const trackingKeySchema = z.string().regex(/^tally_pk_[A-Za-z0-9_-]{16,64}$/, 'a tracking key (tally_pk_…)');

/** The tracking script makes 22 random base64url characters; other clients may use 16 to 64 of them. */
export const visitorIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, '16 to 64 letters, digits, "-" or "_"');

export const stripeCustomerIdSchema = z.string().regex(/^cus_[A-Za-z0-9]{1,64}$/, 'a Stripe customer ID (cus_…)');

/** Only origin and path are kept: query strings and fragments often carry tokens and e-mail addresses. */
const page = httpUrl.transform((url) => {
  const { origin, pathname } = new URL(url);
  return `${origin}${pathname}`;
});

/** Test leads credit test purchases only; a website tracks in live mode unless it says otherwise. */
const common = { trackingKey: trackingKeySchema, mode: modeSchema.default('live') };

export const visitInput = z.strictObject({
  ...common,
  visitorId: visitorIdSchema,
  affiliateCode: referralCodeSchema.optional(),
  url: page.optional(),
  referrer: page.optional(),
});
export type VisitInput = z.infer<typeof visitInput>;

/** Why a website's lead cannot name a Stripe customer, and where to send it instead. */
export const serverLeadsOnly =
  'a lead from a website cannot name a Stripe customer (anyone could claim any customer): send it from your server with POST /v1/leads and your API key';

export const leadInput = z.strictObject({
  ...common,
  visitorId: visitorIdSchema.optional(),
  affiliateCode: referralCodeSchema.optional(),
  email,
  // Named rather than left to the strict object's "unrecognized key", so the 400 says where to go.
  stripeCustomerId: z.undefined({ error: serverLeadsOnly }).optional(),
});
export type LeadInput = z.infer<typeof leadInput>;

/** The largest valid body is about 4.5 KB (two 2048-character URLs); anything bigger is refused unread. */
export const maxTrackingBodyBytes = 8 * 1024;
