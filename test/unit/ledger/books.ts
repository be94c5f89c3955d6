import { earliest } from '../../../lambdas/ledger/attribution';
import type { Attribution } from '../../../lambdas/attribution/attribution';
import {
  mergePurchase,
  mergeSubscription,
  type PlanTerms,
  type PurchaseRecord,
  type PurchaseUpdate,
  type SubscriptionFacts,
  type Terms,
} from '../../../lambdas/ledger/book';
import { candidateOf } from '../../../lambdas/ledger/attribution';
import { type CustomerSummary, firstOf } from '../../../lambdas/ledger/customer';
import { type DerivedCommission, type DerivedPurchase, derivePurchase, type LedgerScope, missingTerms } from '../../../lambdas/ledger/derive';

/**
 * Builders for the ledger's unit tests: a customer's whole history as facts (what the purchase
 * items and the customer item hold between them), and the ledger derived from it from scratch —
 * the summary worked out from every purchase at once, each purchase derived under it. The event
 * path keeps the summary by running updates instead (customer.ts `summaryAfter`); the property
 * test holds the two to the same answer.
 */

export const scope: LedgerScope = { merchantId: 'mer_test', mode: 'test' };

export const at = (day: number, seconds = 0) => new Date(Date.UTC(2026, 0, day, 12, 0, seconds)).toISOString();

export const plan = (overrides: Partial<PlanTerms> = {}): PlanTerms => ({
  id: 'plan_1',
  version: 1,
  name: 'Standard',
  rate: { percentBps: 2000 },
  paymentFor: 'all',
  lineItemSkus: [],
  recurring: 'all',
  ...overrides,
});

/** Terms that carry their plan version whole (a plan version is also a `{id, version}` reference). */
export type TestTerms = Terms & { plan: PlanTerms | null };

export const terms = (overrides: Partial<TestTerms> = {}): TestTerms => ({
  affiliateId: 'aff_1',
  affiliateActive: true,
  plan: plan(),
  holdDays: 30,
  ...overrides,
});

export const invoice = (id: string, day: number, paid: number, overrides: Partial<NonNullable<PurchaseUpdate['invoice']>> = {}): PurchaseUpdate => ({
  kind: 'invoice',
  invoice: {
    invoiceId: id,
    currency: 'usd',
    paid,
    lines: [{ productId: 'prod_a', amount: paid }],
    paidAt: at(day),
    since: at(day),
    subscriptionId: 'sub_1',
    observedAt: at(day),
    ...overrides,
  },
});

export interface Book {
  customerId: string | null;
  purchases: Record<string, PurchaseRecord>;
  subscriptions: Record<string, SubscriptionFacts>;
  /** Tally's customer record (a lead, customer metadata). */
  prior: Attribution | null;
}

export const emptyBook = (customerId: string | null = 'cus_1'): Book => ({ customerId, purchases: {}, subscriptions: {}, prior: null });

export const withPurchase = (book: Book, key: string, update: PurchaseUpdate): Book => ({
  ...book,
  purchases: { ...book.purchases, [key]: mergePurchase(book.purchases[key], update) },
});

export const withSubscription = (book: Book, id: string, facts: SubscriptionFacts): Book => ({
  ...book,
  subscriptions: { ...book.subscriptions, [id]: mergeSubscription(book.subscriptions[id], facts) },
});

export const perTransaction = (startedAt = at(1)): SubscriptionFacts => ({
  trackedBy: 'per_transaction',
  startedAt,
  trialEndsAt: null,
  endedAt: null,
  cancelAt: null,
  observedAt: startedAt,
});

/** The summary of a whole history at once. */
export const summaryOf = (book: Book): CustomerSummary => {
  let attribution = book.prior;
  for (const record of Object.values(book.purchases)) attribution = earliest(attribution, candidateOf(record));
  const summary: CustomerSummary = { customerId: book.customerId, attribution, first: null, subscriptions: book.subscriptions, purchaseCount: Object.keys(book.purchases).length };
  return { ...summary, first: firstOf(Object.entries(book.purchases), summary) };
};

/** Purchases credited to an affiliate they have no terms for, as the event path would find them. */
export const missingTermsOf = (book: Book): { key: string; affiliateId: string }[] => {
  const summary = summaryOf(book);
  return Object.entries(book.purchases).flatMap(([key, record]) => {
    const affiliateId = missingTerms(record, summary);
    return affiliateId ? [{ key, affiliateId }] : [];
  });
};

/** Fills every missing term with `termsOf` (as the event path fills them with the affiliate's terms then). */
export const withTerms = (book: Book, termsOf: TestTerms = terms()): Book => {
  const purchases = { ...book.purchases };
  for (const { key } of missingTermsOf(book)) purchases[key] = { ...(purchases[key] as PurchaseRecord), terms: termsOf };
  return { ...book, purchases };
};

export interface DerivedBook {
  purchases: Map<string, DerivedPurchase>;
  commissions: Map<string, DerivedCommission>;
}

/** The ledger of a history, in time order of the purchases. */
export const deriveBook = (book: Book, ledgerScope: LedgerScope = scope): DerivedBook => {
  const summary = summaryOf(book);
  const purchases = new Map<string, DerivedPurchase>();
  const commissions = new Map<string, DerivedCommission>();
  const derived = Object.entries(book.purchases).map(([key, record]) => ({
    key,
    ledger: derivePurchase(ledgerScope, key, record, summary, (record.terms as TestTerms | undefined)?.plan ?? null),
  }));
  derived.sort((a, b) => (a.ledger.purchase?.occurredAt ?? '').localeCompare(b.ledger.purchase?.occurredAt ?? '') || a.key.localeCompare(b.key));
  for (const { key, ledger } of derived) {
    if (ledger.purchase) purchases.set(key, ledger.purchase);
    if (ledger.commission) commissions.set(key, ledger.commission);
  }
  return { purchases, commissions };
};

/** A history whose purchases are credited to aff_1 (by a candidate on the first one) under `termsOf`. */
export const attributedBook = (updates: [string, PurchaseUpdate][], termsOf: TestTerms = terms()): Book => {
  let book = emptyBook('cus_1');
  for (const [key, update] of updates) book = withPurchase(book, key, update);
  const first = Object.keys(book.purchases).sort((a, b) => (book.purchases[a]?.invoice?.paidAt ?? '').localeCompare(book.purchases[b]?.invoice?.paidAt ?? ''))[0] as string;
  book.purchases[first] = { ...(book.purchases[first] as PurchaseRecord), candidate: { affiliateId: termsOf.affiliateId, source: 'coupon', attributedAt: at(0) } };
  return withTerms(withSubscription(book, 'sub_1', perTransaction()), termsOf);
};
