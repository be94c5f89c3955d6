import { createHash } from 'node:crypto';
import type { Mode } from '../core/mode';
import { addDays } from './arithmetic';
import { attributeBook, occurredAt } from './attribution';
import type { Attribution, AttributionSource, Book, PurchaseLine, PurchaseRecord, SubscriptionFacts } from './book';
import { earn, type RecurringPosition, sumLines } from './commission';
import { type CommissionLedger, commissionLedger, refundedAmount } from './lines';

/**
 * The ledger of one book, as a pure function of its facts: which purchases there are, who they
 * are credited to, and each commission with its lines. Nothing here reads a clock or a store, so
 * the same book always gives the same ledger (what makes any delivery order give one result).
 */

export interface StripeRefs {
  customerId: string | null;
  invoiceId?: string;
  chargeId?: string;
  paymentIntentId?: string;
  checkoutSessionId?: string;
  subscriptionId?: string;
}

export interface DerivedPurchase {
  key: string;
  id: string;
  affiliateId: string | null;
  source: AttributionSource | null;
  stripe: StripeRefs;
  currency: string;
  total: number;
  commissionable: number;
  refunded: number;
  /** Succeeded refunds by ID, for the refund figures (pending ones are not yet money back). */
  settledRefunds: Record<string, { amount: number; at: string }>;
  lines: PurchaseLine[];
  occurredAt: string;
  commissionId: string | null;
  /** Why an attributed purchase earns nothing; null when it earns, or has no affiliate. */
  noCommissionReason: string | null;
}

export interface DerivedCommission {
  key: string;
  id: string;
  purchaseId: string;
  affiliateId: string;
  currency: string;
  ledger: CommissionLedger;
  occurredAt: string;
  holdDays: number;
  /** When the hold period ends and the commission can be paid. */
  availableAt: string;
}

export interface DerivedBook {
  purchases: Map<string, DerivedPurchase>;
  commissions: Map<string, DerivedCommission>;
  /** Subscriptions that ended, with when (a cancellation is counted once, at its time). */
  cancellations: Map<string, string>;
}

export interface LedgerScope {
  merchantId: string;
  mode: Mode;
}

/** Stable, opaque IDs: one purchase per Stripe invoice, payment or billing period, whoever derives it. */
const stableId = (prefix: string, scope: LedgerScope, key: string): string =>
  `${prefix}_${createHash('sha256').update(`${scope.merchantId}|${scope.mode}|${key}`).digest('base64url').slice(0, 24)}`;
const purchaseIdOf = (scope: LedgerScope, key: string): string => stableId('pur', scope, key);
const commissionIdOf = (scope: LedgerScope, key: string): string => stableId('com', scope, key);

const periodEnd = (subscription: SubscriptionFacts): string | null => subscription.endedAt ?? subscription.cancelAt;

/** Why a record is not (or not yet) a purchase, or null when it is one. */
const notAPurchase = (record: PurchaseRecord, book: Book): string | null => {
  if (record.kind === 'invoice') {
    if (!record.invoice) return 'waiting for its invoice';
    const subscription = record.invoice.subscriptionId ? book.subscriptions[record.invoice.subscriptionId] : undefined;
    return subscription?.trackedBy === 'subscription_period' ? 'its subscription is tracked by billing period' : null;
  }
  if (record.kind === 'payment') return record.charge || record.checkout ? null : 'waiting for its payment';
  const period = record.period;
  const subscription = period ? book.subscriptions[period.subscriptionId] : undefined;
  if (!period || subscription?.trackedBy !== 'subscription_period') return 'its subscription is tracked per transaction';
  if (subscription.trialEndsAt && period.startsAt < subscription.trialEndsAt) return 'a trial period';
  const end = periodEnd(subscription);
  return end && period.startsAt >= end ? 'the period starts after the subscription ends' : null;
};

interface Amounts {
  currency: string;
  total: number;
  lines: PurchaseLine[];
}

const amountsOf = (record: PurchaseRecord): Amounts => {
  if (record.invoice) return { currency: record.invoice.currency, total: record.invoice.paid, lines: record.invoice.lines };
  if (record.period) return { currency: record.period.currency, total: sumLines(record.period.lines), lines: record.period.lines };
  // A payment's lines come from its Checkout Session; a payment without one is one line of no product.
  const { charge, checkout } = record;
  const total = charge?.amount ?? checkout?.total ?? 0;
  const currency = charge?.currency ?? checkout?.currency ?? '';
  return { currency, total, lines: checkout?.lines ?? [{ productId: null, amount: total }] };
};

const stripeRefs = (book: Book, record: PurchaseRecord): StripeRefs => {
  const refs: StripeRefs = { customerId: book.customerId };
  const subscriptionId = record.invoice?.subscriptionId ?? record.period?.subscriptionId;
  if (record.invoice) refs.invoiceId = record.invoice.invoiceId;
  if (record.charge) refs.chargeId = record.charge.chargeId;
  if (record.charge?.paymentIntentId) refs.paymentIntentId = record.charge.paymentIntentId;
  if (record.checkout) refs.checkoutSessionId = record.checkout.sessionId;
  if (subscriptionId) refs.subscriptionId = subscriptionId;
  return refs;
};

const settledRefunds = (record: PurchaseRecord) =>
  Object.fromEntries(
    Object.entries(record.refunds)
      .filter(([, refund]) => refund.status === 'succeeded')
      .map(([id, refund]) => [id, { amount: refund.amount, at: refund.createdAt }]),
  );

/** The purchase keys whose commission needs the terms of an affiliate the book has none for. */
export const missingTerms = (book: Book): { key: string; affiliateId: string }[] => {
  const missing: { key: string; affiliateId: string }[] = [];
  for (const [key, attribution] of attributeBook(book)) {
    const record = book.purchases[key] as PurchaseRecord;
    if (attribution && notAPurchase(record, book) === null && record.terms?.affiliateId !== attribution.affiliateId)
      missing.push({ key, affiliateId: attribution.affiliateId });
  }
  return missing;
};

export const deriveBook = (book: Book, scope: LedgerScope): DerivedBook => {
  const attributions = attributeBook(book);
  const purchases = new Map<string, DerivedPurchase>();
  const commissions = new Map<string, DerivedCommission>();

  const valid = Object.entries(book.purchases)
    .filter(([, record]) => notAPurchase(record, book) === null)
    .map(([key, record]) => ({ key, record, at: occurredAt(record) as string, amounts: amountsOf(record) }))
    .sort((a, b) => a.at.localeCompare(b.at) || a.key.localeCompare(b.key));
  const first = valid.find(({ key, amounts }) => attributions.get(key) && amounts.total > 0);

  for (const { key, record, at, amounts } of valid) {
    const attribution: Attribution | null = attributions.get(key) ?? null;
    const purchase: DerivedPurchase = {
      key,
      id: purchaseIdOf(scope, key),
      affiliateId: attribution?.affiliateId ?? null,
      source: attribution?.source ?? null,
      stripe: stripeRefs(book, record),
      currency: amounts.currency,
      total: amounts.total,
      commissionable: sumLines(amounts.lines),
      refunded: refundedAmount(record.refunds),
      settledRefunds: settledRefunds(record),
      lines: amounts.lines,
      occurredAt: at,
      commissionId: null,
      noCommissionReason: null,
    };
    purchases.set(key, purchase);
    if (!attribution) continue;

    const terms = record.terms;
    if (terms?.affiliateId !== attribution.affiliateId) throw new Error(`Purchase ${key} has no terms for its affiliate`);
    const subscriptionId = purchase.stripe.subscriptionId;
    const subscription = subscriptionId ? book.subscriptions[subscriptionId] : undefined;
    const position: RecurringPosition = { firstAt: new Date(first?.at ?? at), isFirst: first?.key === key, at: new Date(at) };
    // Stripe's times are whole seconds: a payment in the very second of the end (a final invoice) is after it.
    const earning = earn(
      { ...amounts, afterSubscriptionEnded: Boolean(subscription?.endedAt && at >= subscription.endedAt), position },
      terms,
    );
    purchase.commissionable = earning.base;
    if (!earning.earned) purchase.noCommissionReason = earning.reason;
    if (!earning.earned && Object.keys(record.payouts).length === 0) continue;

    const commission: DerivedCommission = {
      key,
      id: commissionIdOf(scope, key),
      purchaseId: purchase.id,
      affiliateId: attribution.affiliateId,
      currency: amounts.currency,
      ledger: commissionLedger({
        earned: earning.earned ? earning.amount : 0,
        earnedReason: earning.reason,
        earnedAt: at,
        total: amounts.total,
        currency: amounts.currency,
        refunds: record.refunds,
        disputes: record.disputes,
        payouts: record.payouts,
      }),
      occurredAt: at,
      holdDays: terms.holdDays,
      availableAt: addDays(new Date(at), terms.holdDays).toISOString(),
    };
    purchase.commissionId = commission.id;
    commissions.set(key, commission);
  }

  const cancellations = new Map<string, string>();
  for (const [id, subscription] of Object.entries(book.subscriptions)) if (subscription.endedAt) cancellations.set(id, subscription.endedAt);
  return { purchases, commissions, cancellations };
};
