import type Stripe from 'stripe';
import type { Affiliate } from '../affiliates/affiliate';
import { couponCodeSchema, referralCodeSchema } from '../affiliates/schema';
import { tallyMetadata } from '../coupon-sync/metadata';
import { ConflictError } from '../core/errors';
import type { Mode } from '../core/mode';
import { batchGet, type Item, type ItemLookup, uniqueKeys } from '../store/batch';
import { type Key, keys } from '../store/keys';
import type { Transaction } from '../store/transaction';
import { cookieWindowDaysOf, inCookieWindow, type LeadRecord, leadGraceMs, type VisitorRecord } from '../tracking/records';
import { visitorIdSchema } from '../tracking/schema';

/**
 * Attribution: which affiliate brought a Stripe customer (SPEC section 3). The first match wins, in
 * this order, and once stored it is sticky per customer and mode:
 *   1. "metadata": the customer's or checkout's `metadata.tally_affiliate`, then the checkout's
 *      `client_reference_id`, holding `tally_<visitorId>` (the visitor's referral visit, within the
 *      cookie window) or an affiliate's referral code (any case). Only the merchant's own Stripe
 *      calls can set these, so they are trusted most;
 *   2. "coupon": a promotion code on the purchase whose ID Tally stored for an affiliate
 *      (`couponSync[mode].stripePromotionCodeId`; the code's `tally_affiliate_id` metadata, which
 *      the coupon sync sets, says which affiliate to check), or whose code is an affiliate's coupon
 *      code (any case) — made by Tally or added by hand in Stripe. The customer typed it at the
 *      purchase itself, so no lead can outbid it;
 *   3. "lead": a trusted lead (`POST /v1/leads`, the merchant's server) naming this Stripe customer,
 *      then the lead of the customer's e-mail (any case), recorded within the cookie window before
 *      the event. A public lead (the website's tracking key: anyone can send one) counts only if it
 *      was recorded before the event, and, when the evidence says when the customer was created, no
 *      later than `leadGraceMs` after that: a lead is a prospect, so a stranger cannot claim an
 *      existing customer's future payments by sending their e-mail. A trusted lead may also come
 *      up to `leadGraceMs` after the event (the merchant's server, racing Stripe's event).
 * Leads are weighed at purchases only: a customer event (`customerEvidence`) carries no promotion
 * code that could outrank a lead, and an attribution it stored would be earlier than the purchase's
 * and so win (the ledger credits the earliest), so it is matched by metadata alone.
 * A match on an archived affiliate is skipped: archived affiliates earn no new customers. Test and
 * live never mix: every record read here belongs to one mode.
 *
 * To keep a purchase webhook within about three DynamoDB calls, attribution does no scattered
 * reads. A caller goes through these steps, adding its own keys to each read:
 *   1. `attributionKeys(merchantId, mode, evidence)`: keys for the first BatchGetItem (the sticky
 *      record, visitor, leads, code and promotion-code claims);
 *   2. `affiliateKeys(merchantId, mode, evidence, fetched)`: the affiliates those answers point at,
 *      for a second BatchGetItem into the same `ItemLookup` (`batchGet(keys, fetched)`);
 *   3. `decideAttribution(merchantId, mode, evidence, fetched, cookieWindowDays)`: pure; the sticky
 *      attribution if there is one, else the first match, else null, with `isNew` and the
 *      attributed affiliate's record (its plan, status…);
 *   4. `recordAttribution(transaction, merchantId, mode, customerId, attribution)` when `isNew`:
 *      the conditional write in the caller's transaction (a lost race is a ConflictError, which
 *      makes the webhook intake run the handler again on fresh reads).
 * `resolveAttribution` does steps 1–3 itself, for callers that do not count calls.
 *
 * A sticky attribution to an affiliate archived since is returned as it is (`affiliate.status`
 * tells): the customer stays theirs, so no other affiliate can take it. Recommendation for the
 * ledger: such a sale keeps its attribution but earns no new commission while the affiliate is
 * archived, and earns again from the next payment if the affiliate is restored.
 */

export type AttributionSource = 'metadata' | 'lead' | 'coupon';

export interface Attribution {
  affiliateId: string;
  source: AttributionSource;
  /** When the event that attributed the customer happened (ISO 8601). */
  attributedAt: string;
}

export interface AttributionEvidence {
  /** The Stripe customer: attribution is sticky per customer and mode. */
  customerId: string;
  /** The customer's e-mail. */
  email?: string | null;
  /** Customer and/or checkout metadata; `tally_affiliate` is read. */
  metadata?: Record<string, string> | null;
  /** The checkout session's `client_reference_id`. */
  clientReferenceId?: string | null;
  /** Promotion codes applied to the purchase, with their metadata when known. */
  promotionCodes?: { id: string; code: string; metadata?: Record<string, string> | null }[];
  /** When the purchase (or customer event) happened: the cookie window is measured from it. */
  at: Date;
  /** When Stripe created the customer (`customer.created`), when known: public leads after it (plus the grace) do not count. */
  customerCreatedAt?: Date | null;
  /** A purchase unless said: a customer event is matched by metadata only. */
  from?: 'purchase' | 'customer';
}

export interface AttributionDecision {
  attribution: Attribution | null;
  /** True when `attribution` is a new match that `recordAttribution` should store. */
  isNew: boolean;
  /** The attributed affiliate's record, as read; null without an attribution. */
  affiliate: Affiliate | null;
}

export type { ItemLookup as FetchedItems };

/** The metadata key a merchant sets on a customer or checkout session to name the affiliate. */
export const affiliateMetadataKey = 'tally_affiliate';
/** `client_reference_id` / metadata value prefix that carries a tracked visitor's ID. */
export const visitorReferencePrefix = 'tally_';
/** Tally's IDs (`aff_…`); anything else in a promotion code's metadata is not ours. */
const affiliateIdPattern = /^aff_[a-z0-9]{1,64}$/;

type StoredAttribution = Attribution & { customerId: string };

interface Candidate {
  affiliateId: string;
  source: AttributionSource;
  /** When it was tracked, for the cookie window; absent for explicit references and codes. */
  trackedAt?: string;
  /** How long after the event it may have been tracked and still count (trusted leads). */
  graceMs?: number;
  /** Tracked after this (epoch ms), it does not count (public leads of an existing customer). */
  trackedBy?: number;
  /** Only a match if this is the ID Tally stored for the affiliate in this mode. */
  promotionCodeId?: string;
}

/** A key to read and the candidate its item (if any) makes, or a candidate the evidence names outright. */
type Lookup = { key: Key; candidate: (item: Item) => Candidate | undefined } | { named: Candidate };

const fromClaim = (source: AttributionSource) => (item: Item): Candidate => ({ affiliateId: (item as { affiliateId: string }).affiliateId, source });

/** A lead's candidate: a trusted lead with the grace, a public one only as a prospect's (none if it may not count at all). */
const fromLead = (evidence: AttributionEvidence, publicAllowed: boolean) => (item: Item): Candidate | undefined => {
  const lead = item as unknown as LeadRecord;
  const candidate = { affiliateId: lead.affiliateId, source: 'lead' as const, trackedAt: lead.leadAt };
  if (lead.trusted) return { ...candidate, graceMs: leadGraceMs };
  if (!publicAllowed) return undefined;
  return evidence.customerCreatedAt ? { ...candidate, trackedBy: evidence.customerCreatedAt.getTime() + leadGraceMs } : candidate;
};

const references = (evidence: AttributionEvidence): string[] =>
  [evidence.metadata?.[affiliateMetadataKey], evidence.clientReferenceId].flatMap((value) => (value?.trim() ? [value.trim()] : []));

/**
 * Every key the decision may need, in the SPEC's order: the single source of both the keys to
 * read and the order in which their answers are tried.
 */
const lookups = (merchantId: string, mode: Mode, evidence: AttributionEvidence): Lookup[] => {
  const found: Lookup[] = [];
  for (const reference of references(evidence)) {
    const visitorId = reference.startsWith(visitorReferencePrefix) ? reference.slice(visitorReferencePrefix.length) : undefined;
    if (visitorId && visitorIdSchema.safeParse(visitorId).success)
      found.push({
        key: keys.visitor(merchantId, mode, visitorId),
        candidate: (item) => {
          const visitor = item as unknown as VisitorRecord;
          return { affiliateId: visitor.affiliateId, source: 'metadata', trackedAt: visitor.visitedAt };
        },
      });
    // `tally_…` may also be a referral code: both are read, the visitor is tried first.
    if (referralCodeSchema.safeParse(reference).success)
      found.push({ key: keys.affiliateCode(merchantId, 'referral', reference), candidate: fromClaim('metadata') });
  }
  if (evidence.from === 'customer') return found;
  for (const promotion of evidence.promotionCodes ?? []) {
    // Only a hint: the affiliate's own record must hold this promotion code's ID.
    const tallyAffiliateId = promotion.metadata?.[tallyMetadata.affiliateId];
    if (tallyAffiliateId && affiliateIdPattern.test(tallyAffiliateId))
      found.push({ named: { affiliateId: tallyAffiliateId, source: 'coupon', promotionCodeId: promotion.id } });
    if (couponCodeSchema.safeParse(promotion.code).success)
      found.push({ key: keys.affiliateCode(merchantId, 'coupon', promotion.code), candidate: fromClaim('coupon') });
  }
  // Customer leads are written by the merchant's server only; one a public call stored before this rule is ignored.
  found.push({ key: keys.customerLead(merchantId, mode, evidence.customerId), candidate: fromLead(evidence, false) });
  if (evidence.email?.trim()) found.push({ key: keys.emailLead(merchantId, mode, evidence.email), candidate: fromLead(evidence, true) });
  return found;
};

const candidatesOf = (merchantId: string, mode: Mode, evidence: AttributionEvidence, fetched: ItemLookup): Candidate[] =>
  lookups(merchantId, mode, evidence).flatMap((lookup) => {
    if ('named' in lookup) return [lookup.named];
    const item = fetched.get(lookup.key);
    const candidate = item ? lookup.candidate(item) : undefined;
    return candidate ? [candidate] : [];
  });

/** The decision must not mistake a read the caller skipped for an absent item. */
const read = <T>(fetched: ItemLookup, key: Key, step: string): T | undefined => {
  if (!fetched.wasRead(key)) throw new Error(`Attribution needs ${key.pk} ${key.sk}: read the keys of ${step} first`);
  return fetched.get<T>(key);
};

const stickyOf = (merchantId: string, mode: Mode, evidence: AttributionEvidence, fetched: ItemLookup) =>
  read<StoredAttribution>(fetched, keys.attribution(merchantId, mode, evidence.customerId), 'attributionKeys');

/** Step 1: the keys of the first read. */
export const attributionKeys = (merchantId: string, mode: Mode, evidence: AttributionEvidence): Key[] =>
  uniqueKeys([keys.attribution(merchantId, mode, evidence.customerId), ...lookups(merchantId, mode, evidence).flatMap((lookup) => ('key' in lookup ? [lookup.key] : []))]);

/** Step 2: the affiliates the first read points at (the sticky one, or every candidate). */
export const affiliateKeys = (merchantId: string, mode: Mode, evidence: AttributionEvidence, fetched: ItemLookup): Key[] => {
  const sticky = stickyOf(merchantId, mode, evidence, fetched);
  const affiliateIds = sticky ? [sticky.affiliateId] : candidatesOf(merchantId, mode, evidence, fetched).map(({ affiliateId }) => affiliateId);
  return uniqueKeys(affiliateIds.map((affiliateId) => keys.affiliate(merchantId, affiliateId)));
};

/** Step 3, pure: the sticky attribution, else the first match of the SPEC's order, else none. */
export const decideAttribution = (
  merchantId: string,
  mode: Mode,
  evidence: AttributionEvidence,
  fetched: ItemLookup,
  cookieWindowDays: number,
): AttributionDecision => {
  const affiliateOf = (affiliateId: string) => read<Affiliate>(fetched, keys.affiliate(merchantId, affiliateId), 'affiliateKeys') ?? null;
  const sticky = stickyOf(merchantId, mode, evidence, fetched);
  if (sticky) {
    const { affiliateId, source, attributedAt } = sticky;
    return { attribution: { affiliateId, source, attributedAt }, isNew: false, affiliate: affiliateOf(affiliateId) };
  }
  for (const candidate of candidatesOf(merchantId, mode, evidence, fetched)) {
    if (candidate.trackedAt && !inCookieWindow(candidate.trackedAt, evidence.at, cookieWindowDays, candidate.graceMs)) continue;
    if (candidate.trackedAt && candidate.trackedBy !== undefined && Date.parse(candidate.trackedAt) > candidate.trackedBy) continue;
    const affiliate = affiliateOf(candidate.affiliateId);
    if (affiliate?.status !== 'active') continue;
    if (candidate.promotionCodeId && affiliate.couponSync[mode].stripePromotionCodeId !== candidate.promotionCodeId) continue;
    return {
      attribution: { affiliateId: candidate.affiliateId, source: candidate.source, attributedAt: evidence.at.toISOString() },
      isNew: true,
      affiliate,
    };
  }
  return { attribution: null, isNew: false, affiliate: null };
};

/** Step 4: stores a new attribution in the caller's transaction; the first writer wins. */
export const recordAttribution = (transaction: Transaction, merchantId: string, mode: Mode, customerId: string, attribution: Attribution): void => {
  const { affiliateId, source, attributedAt } = attribution;
  transaction.put(
    {
      Item: { ...keys.attribution(merchantId, mode, customerId), type: 'attribution', customerId, affiliateId, source, attributedAt },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
    () => new ConflictError('attribution.concurrent_update', 'Another event attributed this customer first; retry.'),
  );
};

/** Steps 1–3 with their own two reads (plus the merchant's profile for its cookie window). */
export const resolveAttribution = async (merchantId: string, mode: Mode, evidence: AttributionEvidence): Promise<AttributionDecision> => {
  const profileKey = keys.merchant(merchantId);
  const fetched = await batchGet([profileKey, ...attributionKeys(merchantId, mode, evidence)]);
  await batchGet(affiliateKeys(merchantId, mode, evidence, fetched), fetched);
  return decideAttribution(merchantId, mode, evidence, fetched, cookieWindowDaysOf(fetched.get(profileKey)));
};

/** What a customer event knows: its metadata (it has no purchase, so leads wait for one). */
export const customerEvidence = (customer: Stripe.Customer, at: Date): AttributionEvidence => ({
  customerId: customer.id,
  email: customer.email,
  metadata: customer.metadata,
  at,
  from: 'customer',
});

/**
 * Attributes a customer from a customer event when it has no attribution yet; an existing one is
 * never changed. Returns the event's outcome.
 */
export const attributeCustomer = async (transaction: Transaction, merchantId: string, mode: Mode, evidence: AttributionEvidence): Promise<string> => {
  const { attribution, isNew } = await resolveAttribution(merchantId, mode, evidence);
  if (!attribution) return 'customer not attributed: no affiliate matched';
  if (!isNew) return `customer already attributed to ${attribution.affiliateId} (${attribution.source}); unchanged`;
  recordAttribution(transaction, merchantId, mode, evidence.customerId, attribution);
  return `customer attributed to ${attribution.affiliateId} (${attribution.source})`;
};
