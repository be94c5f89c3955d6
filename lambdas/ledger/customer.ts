import { type Attribution, canonical, mergeSubscription, type PurchaseRecord, sameFacts, type SubscriptionFacts } from './book';
import { candidateOf, earliest, occurredAt } from './attribution';
import { sumLines } from './commission';

/**
 * A customer's summary: the little that the rules across purchases need, in one small item whose
 * size does not grow with the customer's history. Each purchase is derived from its own facts and
 * this summary alone (derive.ts), so an event reads and writes a bounded number of items.
 *
 * - `attribution`: the earliest attribution ever seen for the customer (Tally's customer record, or
 *   the candidate a purchase's evidence decided). It only ever moves earlier, so it is kept exactly
 *   by a running minimum, whatever order the events come in.
 * - `first`: the customer's first commissioned payment — the earliest purchase (by time, then key)
 *   that is a purchase, is credited, and paid something. Recurring plans count from it.
 * - `subscriptions`: each subscription's dates and how it is tracked.
 *
 * A change to the summary that can change other purchases (an earlier attribution, a new first
 * payment, a subscription's end) is followed by a correction (correction.ts) that derives the
 * customer's other purchases again; `first` itself is recomputed from every purchase when it may
 * have moved later or past purchases the running minimum never saw (`needsScan`).
 */
export interface CustomerSummary {
  customerId: string | null;
  attribution: Attribution | null;
  first: PurchasePosition | null;
  subscriptions: Record<string, SubscriptionFacts>;
  /** How many purchase records the customer has: with none but the one changing, no other can be affected. */
  purchaseCount: number;
}

export interface PurchasePosition {
  key: string;
  at: string;
}

export const emptySummary = (customerId: string | null): CustomerSummary => ({ customerId, attribution: null, first: null, subscriptions: {}, purchaseCount: 0 });

const before = (a: PurchasePosition, b: PurchasePosition): boolean => a.at < b.at || (a.at === b.at && a.key < b.key);

/** The attribution that applies to a purchase: the customer's, once it is in force by the purchase's time. */
export const attributionOf = (summary: CustomerSummary, record: PurchaseRecord): Attribution | null => {
  const at = occurredAt(record);
  return summary.attribution && at && summary.attribution.attributedAt <= at ? summary.attribution : null;
};

const periodEnd = (subscription: SubscriptionFacts): string | null => subscription.endedAt ?? subscription.cancelAt;

/** Why a record is not (or not yet) a purchase, or null when it is one. */
export const notAPurchase = (record: PurchaseRecord, summary: CustomerSummary): string | null => {
  if (record.kind === 'invoice') {
    if (!record.invoice) return 'waiting for its invoice';
    const subscription = record.invoice.subscriptionId ? summary.subscriptions[record.invoice.subscriptionId] : undefined;
    return subscription?.trackedBy === 'subscription_period' ? 'its subscription is tracked by billing period' : null;
  }
  if (record.kind === 'payment') return record.charge || record.checkout ? null : 'waiting for its payment';
  const period = record.period;
  const subscription = period ? summary.subscriptions[period.subscriptionId] : undefined;
  if (!period || subscription?.trackedBy !== 'subscription_period') return 'its subscription is tracked per transaction';
  if (subscription.trialEndsAt && period.startsAt < subscription.trialEndsAt) return 'a trial period';
  const end = periodEnd(subscription);
  return end && period.startsAt >= end ? 'the period starts after the subscription ends' : null;
};

/** What the customer paid on a purchase, tax included (refunds are in this unit). */
export const totalOf = (record: PurchaseRecord): number => {
  if (record.invoice) return record.invoice.paid;
  if (record.period) return sumLines(record.period.lines);
  return record.charge?.amount ?? record.checkout?.total ?? 0;
};

/** The purchase's place if it can be the customer's first commissioned payment: a purchase, credited, paying something. */
export const commissionedPosition = (key: string, record: PurchaseRecord, summary: CustomerSummary): PurchasePosition | null => {
  const at = occurredAt(record);
  if (!at || notAPurchase(record, summary) !== null || !attributionOf(summary, record) || totalOf(record) <= 0) return null;
  return { key, at };
};

/** The first commissioned payment among purchases (the correction's scan, and the pure reference). */
export const firstOf = (records: Iterable<[string, PurchaseRecord]>, summary: CustomerSummary): PurchasePosition | null => {
  let first: PurchasePosition | null = null;
  for (const [key, record] of records) {
    const position = commissionedPosition(key, record, summary);
    if (position && (!first || before(position, first))) first = position;
  }
  return first;
};

/** What of a subscription decides other purchases: whether they are purchases, and whether they came after its end. */
const decisive = (subscription: SubscriptionFacts | undefined) =>
  subscription && {
    trackedBy: subscription.trackedBy,
    endedAt: subscription.endedAt,
    ...(subscription.trackedBy === 'subscription_period' ? { trialEndsAt: subscription.trialEndsAt, cancelAt: subscription.cancelAt } : {}),
  };

export interface SummaryChange {
  summary: CustomerSummary;
  /** Other purchases may derive differently: a correction must derive them again. */
  othersAffected: boolean;
  /** `first` may be wrong until every purchase is looked at again. */
  needsScan: boolean;
}

/**
 * The summary after one purchase's facts changed (`was` → `now`; `was` undefined for a new one)
 * and, optionally, a subscription's facts and Tally's customer record were added. Pure: the event
 * path, the correction and the property tests all go through it.
 */
export const summaryAfter = (
  current: CustomerSummary,
  change: {
    key?: string;
    was?: PurchaseRecord;
    now?: PurchaseRecord;
    subscriptions?: Record<string, SubscriptionFacts>;
    prior?: Attribution | null;
  },
): SummaryChange => {
  const subscriptions = { ...current.subscriptions };
  for (const [id, facts] of Object.entries(change.subscriptions ?? {})) subscriptions[id] = mergeSubscription(subscriptions[id], facts);
  const subscriptionsMoved = Object.keys(subscriptions).some((id) => !sameFacts(decisive(subscriptions[id]), decisive(current.subscriptions[id])));
  const periodsMoved = Object.keys(subscriptions).some(
    (id) => subscriptions[id]?.trackedBy === 'subscription_period' && !sameFacts(decisive(subscriptions[id]), decisive(current.subscriptions[id])),
  );

  let attribution = earliest(current.attribution, change.prior ?? null);
  if (change.now) attribution = earliest(attribution, candidateOf(change.now));
  const attributionMoved = canonical(attribution) !== canonical(current.attribution);
  const others = current.purchaseCount - (change.key && change.was ? 1 : 0);

  const next: CustomerSummary = { ...current, attribution, subscriptions, purchaseCount: current.purchaseCount + (change.now && !change.was ? 1 : 0) };
  // An earlier attribution credits purchases the running minimum never weighed, and a billing
  // period that stops being a purchase may have been the first: only a look at all of them tells.
  let needsScan = others > 0 && (attributionMoved || periodsMoved);
  let first = others > 0 ? current.first : null;
  if (change.key && change.now) {
    const position = commissionedPosition(change.key, change.now, next);
    if (first?.key === change.key) {
      if (!position || position.at > first.at) needsScan = true;
      else first = position;
    } else if (position && (!first || before(position, first))) first = position;
  }
  next.first = first;
  const firstMoved = canonical(first) !== canonical(current.first);
  // A first payment where there was none changes no other purchase: only commissioned ones count
  // from it, and there were none.
  const othersAffected = others > 0 && (needsScan || attributionMoved || subscriptionsMoved || (firstMoved && current.first !== null));
  return { summary: next, othersAffected, needsScan };
};

