import { createHash } from 'node:crypto';
import type { Mode } from '../core/mode';

/**
 * Every key of the single table is built here and nowhere else, so the layout can be read in one
 * screen and no module concatenates key strings.
 *
 * Partitions:
 * - `MERCHANT#<id>`: the merchant's profile, settings, connections, plans, affiliates, code claims.
 * - `MERCHANT#<id>#<mode>`: the ledger and anything else that is per Stripe mode.
 * - one-item lookups (`APIKEY#…`, `TRACKINGKEY#…`) that resolve to a merchant.
 * - `RESYNCJOB#<jobId>`: which affiliates a coupon resync job has counted (with a TTL).
 * - `STRIPEPACE#<mode>#<accountId>`: the shared pace of calls to one Stripe account.
 * - `STRIPEACCOUNT#<mode>#<accountId>`: the account's claim, and how far its event log was caught up.
 * - `TRACKLIMIT#<merchantId>#<scope>`: the tracking API's abuse-limit counters (with a TTL).
 * - `STATS#<merchantId>#<mode>#<shard>`: the stats counters, spread over shards.
 * - `BOOK#…`, `COMMISSION#…`, `PAYREF#…`: the commission ledger (below).
 */
const join = (...parts: string[]): string => parts.join('#');

/**
 * Merchant-wide index partitions (purchases and commissions in time order, commissions by status)
 * are spread over this many shards, picked from the item's ID, so one merchant's writes are never
 * all on one index partition; lists read every shard and merge them (store/query.ts).
 */
export const listShards = 8;
const shards = () => Array.from({ length: listShards }, (_, shard) => shard);
const shardOf = (id: string): number => createHash('sha256').update(id).digest().readUInt32BE(0) % listShards;
const ledgerBookPk = (merchantId: string, mode: Mode, bookId: string) => join('BOOK', merchantId, mode, bookId);

/** How many partitions a merchant-mode's stats counters are spread over (see the stats keys). */
export const counterShards = 8;
const counterShardList = () => Array.from({ length: counterShards }, (_, shard) => shard);
const statsPk = (merchantId: string, mode: Mode, shard: number) => join('STATS', merchantId, mode, String(shard));

/**
 * Where a commission stands for the indexes: `open` (pending or approved, told apart by when it
 * becomes payable), `held`, `reversed` (nothing left, or worth nothing), `paid`, and `clawback`
 * (paid, then refunded or lost: a negative balance the next payout nets).
 */
export type CommissionBucket = 'open' | 'held' | 'reversed' | 'paid' | 'clawback';

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

/**
 * People (lambdas/people/) are found by e-mail, keyed by the SHA-256 of its lower-cased form as leads
 * are, so sign-in matches regardless of case and addresses stay out of keys.
 */
const emailDigest = (email: string) => createHash('sha256').update(normalizeEmail(email), 'utf8').digest('hex');
const personPk = (email: string) => join('PERSON', emailDigest(email));

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
  /** gsi1 entry of a claim while its account is connected: the daily catch-up reads this list. */
  connectedAccount: (mode: Mode, accountId: string) => ({ gsi1pk: 'CONNECTEDACCOUNTS', gsi1sk: join(mode, accountId) }),
  connectedAccounts: (): KeyQuery => ({ pk: 'CONNECTEDACCOUNTS' }),
  /** Up to when the account's event log was last caught up (lambdas/history/catch-up.ts). */
  eventCatchUp: (mode: Mode, accountId: string): Key => ({ pk: join('STRIPEACCOUNT', mode, accountId), sk: 'CATCHUP' }),

  plan: (merchantId: string, planId: string): Key => ({ pk: merchantPk(merchantId), sk: join('PLAN', planId) }),
  plans: (merchantId: string): KeyQuery => ({ pk: merchantPk(merchantId), skPrefix: 'PLAN#' }),
  /** One version of a plan, immutable once written: commissions name the version they were earned under. */
  planVersion: (merchantId: string, planId: string, version: number): Key => ({
    pk: join('PLANVERSION', merchantId, planId),
    sk: String(version).padStart(10, '0'),
  }),
  /** gsi3 entry of an affiliate: the merchant's affiliates of one status, in ID (creation) order. */
  affiliateByStatus: (merchantId: string, status: 'active' | 'archived', affiliateId: string) => ({
    gsi3pk: join('AFFILIATES', merchantId, status),
    gsi3sk: affiliateId,
  }),
  affiliatesByStatus: (merchantId: string, status: 'active' | 'archived'): KeyQuery => ({ pk: join('AFFILIATES', merchantId, status) }),

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
   * The commission ledger (lambdas/ledger/), per merchant and mode, laid out so no item and no
   * partition grows with one customer's history or takes a whole merchant's writes:
   * - a customer's partition (`BOOK#<merchant>#<mode>#<bookId>`; the book is the Stripe customer,
   *   or `guest:<payment>` without one) holds the small customer item (what the rules across
   *   purchases need) and one item per purchase (its facts and what they derive to);
   * - a commission is an item of its own, keyed by its ID, with the index entries that list it;
   * - a payment reference (`pi_…`, `ch_…`) is an item of its own that points at its purchase, or
   *   holds refunds and disputes that arrived first.
   */
  ledgerCustomer: (merchantId: string, mode: Mode, bookId: string): Key => ({ pk: ledgerBookPk(merchantId, mode, bookId), sk: 'CUSTOMER' }),
  ledgerPurchase: (merchantId: string, mode: Mode, bookId: string, purchaseKey: string): Key => ({
    pk: ledgerBookPk(merchantId, mode, bookId),
    sk: join('PURCHASE', purchaseKey),
  }),
  /** gsi2 entry of a customer item: every customer of a merchant-mode, sharded (the stats rebuild walks them). */
  ledgerCustomerIndex: (merchantId: string, mode: Mode, bookId: string) => ({
    gsi2pk: join('CUSTOMERS', merchantId, mode, String(shardOf(bookId))),
    gsi2sk: bookId,
  }),
  ledgerCustomers: (merchantId: string, mode: Mode): KeyQuery[] => shards().map((shard) => ({ pk: join('CUSTOMERS', merchantId, mode, String(shard)) })),
  /** A customer's purchase items (the correction job walks them in pages). */
  ledgerPurchases: (merchantId: string, mode: Mode, bookId: string): KeyQuery => ({ pk: ledgerBookPk(merchantId, mode, bookId), skPrefix: 'PURCHASE#' }),
  /** gsi3 entry of a customer item whose correction job is pending: the sweeper re-queues old ones. */
  ledgerCorrectionPending: (requestedAt: string, merchantId: string, mode: Mode, bookId: string) => ({
    gsi3pk: 'LEDGERCORRECTIONS',
    gsi3sk: join(requestedAt, merchantId, mode, bookId),
  }),
  ledgerCorrectionsPending: (): KeyQuery => ({ pk: 'LEDGERCORRECTIONS' }),
  ledgerReference: (merchantId: string, mode: Mode, paymentRef: string): Key => ({
    pk: join('PAYREF', merchantId, mode, paymentRef),
    sk: 'PAYREF',
  }),
  /** gsi1 entry: a merchant-mode's purchases in the order they took place, spread over shards. */
  purchaseByTime: (merchantId: string, mode: Mode, occurredAt: string, purchaseId: string) => ({
    gsi1pk: join('PURCHASES', merchantId, mode, String(shardOf(purchaseId))),
    gsi1sk: join(occurredAt, purchaseId),
  }),
  purchasesByTime: (merchantId: string, mode: Mode): KeyQuery[] => shards().map((shard) => ({ pk: join('PURCHASES', merchantId, mode, String(shard)) })),
  commission: (merchantId: string, mode: Mode, commissionId: string): Key => ({
    pk: join('COMMISSION', merchantId, mode, commissionId),
    sk: 'COMMISSION',
  }),
  /**
   * A commission's index entries: gsi1 (the merchant-mode's commissions in time order, sharded),
   * gsi2 (one affiliate's in time order), gsi3 (the merchant-mode's of one status bucket, sharded)
   * and gsi4 (one affiliate's of one status bucket). An `open` commission's status entries sort by
   * when it becomes payable, so pending and approved are two ranges of one partition.
   */
  commissionIndexes: (
    merchantId: string,
    mode: Mode,
    commission: { affiliateId: string; occurredAt: string; id: string; bucket: CommissionBucket; statusAt: string },
  ) => ({
    gsi1pk: join('COMMISSIONS', merchantId, mode, String(shardOf(commission.id))),
    gsi1sk: join(commission.occurredAt, commission.id),
    gsi2pk: join('COMMISSIONS', merchantId, mode, commission.affiliateId),
    gsi2sk: join(commission.occurredAt, commission.id),
    gsi3pk: join('COMMISSIONSTATUS', merchantId, mode, commission.bucket === 'clawback' ? 'paid' : commission.bucket, String(shardOf(commission.id))),
    gsi3sk: join(commission.statusAt, commission.id),
    gsi4pk: join('COMMISSIONSTATUS', merchantId, mode, commission.affiliateId, commission.bucket),
    gsi4sk: join(commission.statusAt, commission.id),
  }),
  commissionsByTime: (merchantId: string, mode: Mode): KeyQuery[] => shards().map((shard) => ({ pk: join('COMMISSIONS', merchantId, mode, String(shard)) })),
  affiliateCommissionsByTime: (merchantId: string, mode: Mode, affiliateId: string): KeyQuery => ({
    pk: join('COMMISSIONS', merchantId, mode, affiliateId),
  }),
  /** gsi3: the merchant-mode's commissions of one status bucket (`paid` includes clawbacks), every shard. */
  commissionsByBucket: (merchantId: string, mode: Mode, bucket: Exclude<CommissionBucket, 'clawback'>): KeyQuery[] =>
    shards().map((shard) => ({ pk: join('COMMISSIONSTATUS', merchantId, mode, bucket, String(shard)) })),
  /** gsi4: one affiliate's commissions of one status bucket. */
  affiliateCommissionsByBucket: (merchantId: string, mode: Mode, affiliateId: string, bucket: CommissionBucket): KeyQuery => ({
    pk: join('COMMISSIONSTATUS', merchantId, mode, affiliateId, bucket),
  }),
  payout: (merchantId: string, mode: Mode, payoutId: string): Key => ({ pk: merchantModePk(merchantId, mode), sk: join('PAYOUT', payoutId) }),
  payouts: (merchantId: string, mode: Mode): KeyQuery => ({ pk: merchantModePk(merchantId, mode), skPrefix: 'PAYOUT#' }),

  /**
   * Stats counters (lambdas/stats/counters.ts), per merchant and mode. Every counter (a day's
   * totals, an affiliate's day or month) is spread over `counterShards` partitions, one picked at
   * random per write, so one merchant's counter writes are never all on one partition; readers
   * query every shard and add up what shares a label. `day` is `YYYY-MM-DD` and `month` `YYYY-MM`
   * (UTC), so sort-key order is time order and a period is one range query per shard.
   */
  statsDay: (merchantId: string, mode: Mode, day: string, shard: number): Key => ({ pk: statsPk(merchantId, mode, shard), sk: join('DAY', day) }),
  statsDays: (merchantId: string, mode: Mode, fromDay: string, toDay: string): KeyRange[] =>
    counterShardList().map((shard) => ({ pk: statsPk(merchantId, mode, shard), skFrom: join('DAY', fromDay), skTo: join('DAY', toDay, rangeEnd) })),
  /** One affiliate's figures for a day, and for a month: the top-affiliates list reads these. */
  statsAffiliateDay: (merchantId: string, mode: Mode, day: string, affiliateId: string, shard: number): Key => ({
    pk: statsPk(merchantId, mode, shard),
    sk: join('AFFDAY', day, affiliateId),
  }),
  statsAffiliateDays: (merchantId: string, mode: Mode, fromDay: string, toDay: string): KeyRange[] =>
    counterShardList().map((shard) => ({ pk: statsPk(merchantId, mode, shard), skFrom: join('AFFDAY', fromDay), skTo: join('AFFDAY', toDay, rangeEnd) })),
  statsAffiliateMonth: (merchantId: string, mode: Mode, month: string, affiliateId: string, shard: number): Key => ({
    pk: statsPk(merchantId, mode, shard),
    sk: join('AFFMONTH', month, affiliateId),
  }),
  statsAffiliateMonths: (merchantId: string, mode: Mode, fromMonth: string, toMonth: string): KeyRange[] =>
    counterShardList().map((shard) => ({
      pk: statsPk(merchantId, mode, shard),
      skFrom: join('AFFMONTH', fromMonth),
      skTo: join('AFFMONTH', toMonth, rangeEnd),
    })),
  /** Every counter item of a merchant-mode, for the rebuild. */
  statsCounters: (merchantId: string, mode: Mode): KeyRange[] =>
    counterShardList().map((shard) => ({ pk: statsPk(merchantId, mode, shard), skFrom: join('AFFDAY', ''), skTo: join('DAY', rangeEnd) })),

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
  /**
   * A job that reads a connected account's history from Stripe (lambdas/history/): a catch-up from
   * its event log or an import of its purchases. One item, advanced by one message at a time.
   */
  historyJob: (merchantId: string, jobId: string): Key => ({ pk: merchantPk(merchantId), sk: join('HISTORYJOB', jobId) }),
  /** gsi1 entry of a running history job, by when it last moved: the sweep re-queues stalled ones. */
  runningHistoryJob: (updatedAt: string, merchantId: string, jobId: string) => ({ gsi1pk: 'HISTORYJOBS#running', gsi1sk: join(updatedAt, merchantId, jobId) }),
  runningHistoryJobs: (): KeyQuery => ({ pk: 'HISTORYJOBS#running' }),
  /**
   * An affiliate import job (lambdas/affiliates/import-job.ts), under `AFFIMPORT#<jobId>` in the
   * merchant's partition: its root (status and counts), the file's checked rows in numbered chunks,
   * and each chunk's results once it is done. All with a TTL.
   */
  affiliateImportJob: (merchantId: string, jobId: string): Key => ({ pk: merchantPk(merchantId), sk: join('AFFIMPORT', jobId) }),
  affiliateImportChunk: (merchantId: string, jobId: string, chunk: number): Key => ({
    pk: merchantPk(merchantId),
    sk: join('AFFIMPORT', jobId, 'CHUNK', String(chunk).padStart(4, '0')),
  }),
  affiliateImportResult: (merchantId: string, jobId: string, chunk: number): Key => ({
    pk: merchantPk(merchantId),
    sk: join('AFFIMPORT', jobId, 'RESULT', String(chunk).padStart(4, '0')),
  }),
  /** The pace of Tally's calls to one connected Stripe account, shared by every concurrent worker. */
  stripeCallPace: (mode: Mode, accountId: string): Key => ({ pk: join('STRIPEPACE', mode, accountId), sk: 'PACE' }),
  /**
   * A write's `Idempotency-Key` (lambdas/http/idempotency.ts), per caller: the merchant's ID, or
   * `operator` (merchant IDs start `mer_`). Kept 24 hours with a TTL.
   */
  idempotencyKey: (scope: string, idempotencyKey: string): Key => ({ pk: join('IDEMPOTENCY', scope, idempotencyKey), sk: 'IDEMPOTENCY' }),
  /**
   * People and mail (lambdas/people/, lambdas/mail/). A team member is stored twice, under the
   * merchant (the team list) and under the person (the merchants an e-mail can sign in to); an
   * affiliate's portal access only under the person. Sign-in tokens and sessions are keyed by the
   * SHA-256 of their secret, and with the per-e-mail sign-in counters and the local outbox they
   * carry a TTL.
   */
  member: (merchantId: string, email: string): Key => ({ pk: merchantPk(merchantId), sk: join('MEMBER', emailDigest(email)) }),
  members: (merchantId: string): KeyRange => ({ pk: merchantPk(merchantId), skFrom: 'MEMBER#', skTo: join('MEMBER', rangeEnd) }),
  personMembership: (email: string, merchantId: string): Key => ({ pk: personPk(email), sk: join('MEMBER', merchantId) }),
  personMemberships: (email: string): KeyRange => ({ pk: personPk(email), skFrom: 'MEMBER#', skTo: join('MEMBER', rangeEnd) }),
  portalAccess: (email: string, merchantId: string, affiliateId: string): Key => ({ pk: personPk(email), sk: join('PORTAL', merchantId, affiliateId) }),
  portalAccesses: (email: string): KeyRange => ({ pk: personPk(email), skFrom: 'PORTAL#', skTo: join('PORTAL', rangeEnd) }),
  signInToken: (tokenDigest: string): Key => ({ pk: join('SIGNIN', tokenDigest), sk: 'SIGNIN' }),
  /** A fixed window's count of sign-in mails requested for one e-mail in one area. */
  signInLimit: (area: 'console' | 'portal', email: string, windowStart: number): Key => ({
    pk: join('SIGNINLIMIT', area, emailDigest(email)),
    sk: String(windowStart),
  }),
  session: (area: 'console' | 'portal', secretDigest: string): Key => ({ pk: join('SESSION', secretDigest), sk: join('SESSION', area) }),
  /** Local only: the mail `npm start` would have sent, newest last in the partition. */
  outboxMail: (sentAt: string, mailId: string): Key => ({ pk: 'OUTBOX', sk: join(sentAt, mailId) }),
  outbox: (): KeyQuery => ({ pk: 'OUTBOX' }),
};
