import { createHash } from 'node:crypto';
import type { Mode } from '../core/mode';

/**
 * Every key of the single table is built here and nowhere else, so the layout can be read in one
 * screen and no module concatenates key strings.
 *
 * Partitions:
 * - `MERCHANT#<id>`: the merchant's profile, settings, connections, plans, affiliates, code claims.
 * - `MERCHANT#<id>#<mode>`: the ledger and anything else that is per Stripe mode.
 * - one-item lookups (`APIKEY#…`, `TRACKINGKEY#…`, `STRIPEACCOUNT#…`) that resolve to a merchant.
 * - `RESYNCJOB#<jobId>`: which affiliates a coupon resync job has counted (with a TTL).
 * - `STRIPEPACE#<mode>#<accountId>`: the shared pace of calls to one Stripe account.
 * - `TRACKLIMIT#<merchantId>#<scope>`: the tracking API's abuse-limit counters (with a TTL).
 */
const join = (...parts: string[]): string => parts.join('#');

/** What a tracking abuse limit counts: the merchant's whole website, or one client IP (as a digest). */
export type TrackingLimitScope = { kind: 'trackingKey' } | { kind: 'clientIp'; ipDigest: string };

export interface Key {
  pk: string;
  sk: string;
}

/** A query over one partition, optionally narrowed to sort keys with a prefix. */
export interface KeyQuery {
  pk: string;
  skPrefix?: string;
}

/** A query over one partition for the sort keys from `skFrom` to `skTo`, both included. */
export interface KeyRange {
  pk: string;
  skFrom: string;
  skTo: string;
}

const merchantPk = (merchantId: string) => join('MERCHANT', merchantId);
/** A merchant's per-mode partition (ledger, stats, jobs): test figures never share one with live. */
const merchantModePk = (merchantId: string, mode: Mode) => join('MERCHANT', merchantId, mode);
/** Above every character of an ID or a day, so `<prefix>#<last>#~` closes a range over `<last>`. */
const rangeEnd = '~';

/** Codes are unique per merchant regardless of case, like Stripe's promotion codes. */
export type CodeKind = 'referral' | 'coupon' | 'email';
const normalizeCode = (code: string) => code.toLowerCase();
/** SPEC section 3: a lead matches a customer's e-mail regardless of case. */
const normalizeEmail = (email: string) => email.trim().toLowerCase();

export const keys = {
  merchant: (merchantId: string): Key => ({ pk: merchantPk(merchantId), sk: 'PROFILE' }),
  /** gsi1 entry of a merchant with auto-sync on: the scheduled drift repair reads this list. */
  autoSyncMerchant: (merchantId: string) => ({ gsi1pk: 'AUTOSYNC', gsi1sk: merchantId }),
  autoSyncMerchants: (): KeyQuery => ({ pk: 'AUTOSYNC' }),
  apiKey: (keyHash: string): Key => ({ pk: join('APIKEY', keyHash), sk: 'APIKEY' }),
  trackingKey: (trackingKey: string): Key => ({ pk: join('TRACKINGKEY', trackingKey), sk: 'TRACKINGKEY' }),

  /** Single-use OAuth state nonce, with a TTL. */
  oauthState: (nonce: string): Key => ({ pk: join('OAUTHSTATE', nonce), sk: 'OAUTHSTATE' }),
  /** Marker that a Stripe event's effect is stored; written in the same transaction as the effect. */
  stripeEvent: (eventId: string): Key => ({ pk: join('STRIPEEVENT', eventId), sk: 'EVENT' }),
  /** Claim on a Stripe account: one merchant per account and mode. */
  stripeAccount: (mode: Mode, accountId: string): Key => ({ pk: join('STRIPEACCOUNT', mode, accountId), sk: 'ACCOUNT' }),

  plan: (merchantId: string, planId: string): Key => ({ pk: merchantPk(merchantId), sk: join('PLAN', planId) }),
  plans: (merchantId: string): KeyQuery => ({ pk: merchantPk(merchantId), skPrefix: 'PLAN#' }),

  affiliate: (merchantId: string, affiliateId: string): Key => ({
    pk: merchantPk(merchantId),
    sk: join('AFFILIATE', affiliateId),
  }),
  affiliates: (merchantId: string): KeyQuery => ({ pk: merchantPk(merchantId), skPrefix: 'AFFILIATE#' }),
  /** The affiliates up to one ID: IDs are time-ordered, so these are the ones that existed by then. */
  affiliatesUpTo: (merchantId: string, lastAffiliateId: string): KeyRange => ({
    pk: merchantPk(merchantId),
    skFrom: 'AFFILIATE#',
    skTo: join('AFFILIATE', lastAffiliateId),
  }),
  /** Claim that keeps a referral code, coupon code or e-mail unique within a merchant. */
  affiliateCode: (merchantId: string, kind: CodeKind, code: string): Key => ({
    pk: merchantPk(merchantId),
    sk: join('CODE', kind, normalizeCode(code)),
  }),

  /**
   * Lead tracking (lambdas/tracking/), per merchant and mode: a visitor's latest referral visit, and
   * the latest lead per e-mail and per Stripe customer. An e-mail is keyed by the SHA-256 of its
   * lower-cased form, so leads match regardless of case and customers' addresses stay out of keys.
   */
  visitor: (merchantId: string, mode: Mode, visitorId: string): Key => ({
    pk: merchantModePk(merchantId, mode),
    sk: join('VISITOR', visitorId),
  }),
  emailLead: (merchantId: string, mode: Mode, email: string): Key => ({
    pk: merchantModePk(merchantId, mode),
    sk: join('LEAD', 'EMAIL', createHash('sha256').update(normalizeEmail(email), 'utf8').digest('hex')),
  }),
  customerLead: (merchantId: string, mode: Mode, customerId: string): Key => ({
    pk: merchantModePk(merchantId, mode),
    sk: join('LEAD', 'CUSTOMER', customerId),
  }),
  /** A fixed-window request counter of the public tracking API (with a TTL), one partition each. */
  trackingLimit: (merchantId: string, scope: TrackingLimitScope, windowStart: number): Key => ({
    pk: scope.kind === 'trackingKey' ? join('TRACKLIMIT', merchantId, 'KEY') : join('TRACKLIMIT', merchantId, 'IP', scope.ipDigest),
    sk: String(windowStart),
  }),
  /** A Stripe customer's attribution (lambdas/attribution/): written once, never changed. */
  attribution: (merchantId: string, mode: Mode, customerId: string): Key => ({
    pk: merchantModePk(merchantId, mode),
    sk: join('ATTRIBUTION', customerId),
  }),

  /**
   * The commission ledger (lambdas/ledger/), per merchant and mode. A book holds every fact about
   * one customer's purchases (`bookId` is the Stripe customer, or `guest:<payment>` without one);
   * purchase and commission items are what the book derives, for the API to list; a payment
   * reference (`pi_…`, `ch_…`) points at its book, or holds refunds and disputes that arrived first.
   */
  ledgerBook: (merchantId: string, mode: Mode, bookId: string): Key => ({ pk: merchantModePk(merchantId, mode), sk: join('BOOK', bookId) }),
  /** Every book of a merchant-mode, for tools that recompute from the ledger (stats rebuild). */
  ledgerBooks: (merchantId: string, mode: Mode): KeyRange => ({
    pk: merchantModePk(merchantId, mode),
    skFrom: join('BOOK', ''),
    skTo: join('BOOK', rangeEnd),
  }),
  ledgerReference: (merchantId: string, mode: Mode, paymentRef: string): Key => ({
    pk: merchantModePk(merchantId, mode),
    sk: join('PAYREF', paymentRef),
  }),
  purchase: (merchantId: string, mode: Mode, purchaseId: string): Key => ({ pk: merchantModePk(merchantId, mode), sk: join('PURCHASE', purchaseId) }),
  /** gsi1 entry: a merchant-mode's purchases in the order they took place. */
  purchaseByTime: (merchantId: string, mode: Mode, occurredAt: string, purchaseId: string) => ({
    gsi1pk: join('PURCHASES', merchantId, mode),
    gsi1sk: join(occurredAt, purchaseId),
  }),
  purchasesByTime: (merchantId: string, mode: Mode): KeyQuery => ({ pk: join('PURCHASES', merchantId, mode) }),
  commission: (merchantId: string, mode: Mode, commissionId: string): Key => ({
    pk: merchantModePk(merchantId, mode),
    sk: join('COMMISSION', commissionId),
  }),
  /** gsi1 entry (all of a merchant-mode's commissions) and gsi2 entry (one affiliate's), both in time order. */
  commissionByTime: (merchantId: string, mode: Mode, affiliateId: string, occurredAt: string, commissionId: string) => ({
    gsi1pk: join('COMMISSIONS', merchantId, mode),
    gsi1sk: join(occurredAt, commissionId),
    gsi2pk: join('COMMISSIONS', merchantId, mode, affiliateId),
    gsi2sk: join(occurredAt, commissionId),
  }),
  commissionsByTime: (merchantId: string, mode: Mode): KeyQuery => ({ pk: join('COMMISSIONS', merchantId, mode) }),
  affiliateCommissionsByTime: (merchantId: string, mode: Mode, affiliateId: string): KeyQuery => ({
    pk: join('COMMISSIONS', merchantId, mode, affiliateId),
  }),
  payout: (merchantId: string, mode: Mode, payoutId: string): Key => ({ pk: merchantModePk(merchantId, mode), sk: join('PAYOUT', payoutId) }),
  payouts: (merchantId: string, mode: Mode): KeyQuery => ({ pk: merchantModePk(merchantId, mode), skPrefix: 'PAYOUT#' }),

  /**
   * Stats counters (lambdas/stats/counters.ts), per merchant and mode. A day's totals are split
   * over a few shards that readers add up; `day` is `YYYY-MM-DD` and `month` `YYYY-MM` (UTC), so
   * sort-key order is time order and a period is one range query.
   */
  statsDay: (merchantId: string, mode: Mode, day: string, shard: number): Key => ({
    pk: merchantModePk(merchantId, mode),
    sk: join('STATS', 'DAY', day, String(shard)),
  }),
  statsDays: (merchantId: string, mode: Mode, fromDay: string, toDay: string): KeyRange => ({
    pk: merchantModePk(merchantId, mode),
    skFrom: join('STATS', 'DAY', fromDay),
    skTo: join('STATS', 'DAY', toDay, rangeEnd),
  }),
  /** One affiliate's figures for a day, and for a month: the top-affiliates list reads these. */
  statsAffiliateDay: (merchantId: string, mode: Mode, day: string, affiliateId: string): Key => ({
    pk: merchantModePk(merchantId, mode),
    sk: join('STATS', 'AFFDAY', day, affiliateId),
  }),
  statsAffiliateDays: (merchantId: string, mode: Mode, fromDay: string, toDay: string): KeyRange => ({
    pk: merchantModePk(merchantId, mode),
    skFrom: join('STATS', 'AFFDAY', fromDay),
    skTo: join('STATS', 'AFFDAY', toDay, rangeEnd),
  }),
  statsAffiliateMonth: (merchantId: string, mode: Mode, month: string, affiliateId: string): Key => ({
    pk: merchantModePk(merchantId, mode),
    sk: join('STATS', 'AFFMONTH', month, affiliateId),
  }),
  statsAffiliateMonths: (merchantId: string, mode: Mode, fromMonth: string, toMonth: string): KeyRange => ({
    pk: merchantModePk(merchantId, mode),
    skFrom: join('STATS', 'AFFMONTH', fromMonth),
    skTo: join('STATS', 'AFFMONTH', toMonth, rangeEnd),
  }),
  /** Every counter item of a merchant-mode, for the rebuild. */
  statsCounters: (merchantId: string, mode: Mode): KeyRange => ({
    pk: merchantModePk(merchantId, mode),
    skFrom: join('STATS', ''),
    skTo: join('STATS', rangeEnd),
  }),

  /**
   * A bulk coupon resync (lambdas/coupon-sync/job.ts): its root item (progress of the fan-out and the
   * counts it made) and the counter shards its workers add to, all under `RESYNCJOB#<jobId>`.
   */
  couponResyncJob: (merchantId: string, jobId: string): Key => ({ pk: merchantPk(merchantId), sk: join('RESYNCJOB', jobId) }),
  couponResyncShard: (merchantId: string, jobId: string, shard: number): Key => ({
    pk: merchantPk(merchantId),
    sk: join('RESYNCJOB', jobId, 'COUNT', String(shard)),
  }),
  couponResyncJobParts: (merchantId: string, jobId: string): KeyQuery => ({ pk: merchantPk(merchantId), skPrefix: join('RESYNCJOB', jobId) }),
  couponResyncJobs: (merchantId: string): KeyQuery => ({ pk: merchantPk(merchantId), skPrefix: 'RESYNCJOB#' }),
  /** Marker that a job counted an affiliate in a mode: once, however often its message arrives. */
  couponResyncCounted: (jobId: string, mode: Mode, affiliateId: string): Key => ({
    pk: join('RESYNCJOB', jobId),
    sk: join(mode, affiliateId),
  }),
  /** The pace of Tally's calls to one connected Stripe account, shared by every concurrent worker. */
  stripeCallPace: (mode: Mode, accountId: string): Key => ({ pk: join('STRIPEPACE', mode, accountId), sk: 'PACE' }),
};
