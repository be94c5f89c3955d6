import { createHash } from 'node:crypto';
import type { Mode } from '../core/mode';
import { addDays } from './arithmetic';
import { occurredAt } from './attribution';
import { sameMailbox } from '../attribution/identity';
import { type AttributionSource, mergedEvidence, type PlanTerms, type PurchaseLine, type PurchaseRecord } from './book';
import { earn, type RecurringPosition, sumLines } from './commission';
import { attributionOf, type CustomerSummary, notAPurchase, totalOf } from './customer';
import { type CommissionLedger, commissionLedger, refundedAmount } from './lines';

/**
 * One purchase's ledger, as a pure function of its facts and its customer's summary: whether it is
 * a purchase, who it is credited to, and its commission with its lines. Nothing here reads a clock
 * or a store, so the same facts always give the same ledger (what makes any delivery order give one
 * result), and no purchase needs another's facts: the summary holds what the rules across them use.
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
  /** The plan version it was earned under (null when no plan applied). */
  plan: { id: string; version: number } | null;
}

export interface DerivedLedger {
  purchase: DerivedPurchase | null;
  commission: DerivedCommission | null;
}

export const nothingDerived: DerivedLedger = { purchase: null, commission: null };

export interface LedgerScope {
  merchantId: string;
  mode: Mode;
}

/** Stable, opaque IDs: one purchase per Stripe invoice, payment or billing period, whoever derives it. */
const stableId = (prefix: string, scope: LedgerScope, key: string): string =>
  `${prefix}_${createHash('sha256').update(`${scope.merchantId}|${scope.mode}|${key}`).digest('base64url').slice(0, 24)}`;
export const purchaseIdOf = (scope: LedgerScope, key: string): string => stableId('pur', scope, key);
export const commissionIdOf = (scope: LedgerScope, key: string): string => stableId('com', scope, key);

interface Amounts {
  currency: string;
  total: number;
  lines: PurchaseLine[];
}

const amountsOf = (record: PurchaseRecord): Amounts => {
  const total = totalOf(record);
  if (record.invoice) return { currency: record.invoice.currency, total, lines: record.invoice.lines };
  if (record.period) return { currency: record.period.currency, total, lines: record.period.lines };
  // A payment's lines come from its Checkout Session; a payment without one is one line of no product.
  const { charge, checkout } = record;
  const currency = charge?.currency ?? checkout?.currency ?? '';
  return { currency, total, lines: checkout?.lines ?? [{ productId: null, amount: total }] };
};

const stripeRefs = (customerId: string | null, record: PurchaseRecord): StripeRefs => {
  const refs: StripeRefs = { customerId };
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

/** The affiliate whose terms a purchase needs and does not have yet (terms are fixed when first needed). */
export const missingTerms = (record: PurchaseRecord, summary: CustomerSummary): string | null => {
  const attribution = attributionOf(summary, record);
  if (!attribution || notAPurchase(record, summary) !== null) return null;
  return record.terms?.affiliateId === attribution.affiliateId ? null : attribution.affiliateId;
};

/** The plan version a purchase's terms name, if any: what `derivePurchase` needs given. */
export const planOfTerms = (record: PurchaseRecord): { id: string; version: number } | null => record.terms?.plan ?? null;

/**
 * Derives one purchase. `plan` is the version its terms name (null when they name none); a
 * purchase credited to an affiliate it has no terms for is a caller's bug (`missingTerms` first).
 */
export const derivePurchase = (scope: LedgerScope, key: string, record: PurchaseRecord, summary: CustomerSummary, plan: PlanTerms | null): DerivedLedger => {
  if (notAPurchase(record, summary) !== null) return nothingDerived;
  const at = occurredAt(record) as string;
  const amounts = amountsOf(record);
  const attribution = attributionOf(summary, record);
  const purchase: DerivedPurchase = {
    key,
    id: purchaseIdOf(scope, key),
    affiliateId: attribution?.affiliateId ?? null,
    source: attribution?.source ?? null,
    stripe: stripeRefs(summary.customerId, record),
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
  if (!attribution) return { purchase, commission: null };

  const terms = record.terms;
  if (terms?.affiliateId !== attribution.affiliateId) throw new Error(`Purchase ${key} has no terms for its affiliate`);
  if (terms.plan && (plan?.id !== terms.plan.id || plan.version !== terms.plan.version))
    throw new Error(`Purchase ${key} needs plan ${terms.plan.id} version ${terms.plan.version}`);
  const subscriptionId = purchase.stripe.subscriptionId;
  const subscription = subscriptionId ? summary.subscriptions[subscriptionId] : undefined;
  const first = summary.first;
  const position: RecurringPosition = { firstAt: new Date(first?.at ?? at), isFirst: first?.key === key, at: new Date(at) };
  // Stripe's times are whole seconds: a payment in the very second of the end (a final invoice) is after it.
  const buyer = mergedEvidence(record).email;
  const selfReferral = Boolean(terms.affiliateEmail && buyer && sameMailbox(terms.affiliateEmail, buyer));
  const earning = earn(
    { ...amounts, afterSubscriptionEnded: Boolean(subscription?.endedAt && at >= subscription.endedAt), position, selfReferral },
    { ...terms, plan: terms.plan ? plan : null },
  );
  purchase.commissionable = earning.base;
  if (!earning.earned) purchase.noCommissionReason = earning.reason;
  if (!earning.earned && Object.keys(record.payouts).length === 0) return { purchase, commission: null };

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
    plan: terms.plan,
  };
  purchase.commissionId = commission.id;
  return { purchase, commission };
};
