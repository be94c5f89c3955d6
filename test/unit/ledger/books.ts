import { type Book, emptyBook, type PlanTerms, type PurchaseUpdate, type Terms, withPurchase, withSubscription } from '../../../lambdas/ledger/book';
import type { LedgerScope } from '../../../lambdas/ledger/derive';

/** Builders for books in the ledger's unit tests: facts as Stripe events would bring them. */

export const scope: LedgerScope = { merchantId: 'mer_test', mode: 'test' };

export const at = (day: number, seconds = 0) => new Date(Date.UTC(2026, 0, day, 12, 0, seconds)).toISOString();

export const plan = (overrides: Partial<PlanTerms> = {}): PlanTerms => ({
  id: 'plan_1',
  name: 'Standard',
  rate: { percentBps: 2000 },
  paymentFor: 'all',
  lineItemSkus: [],
  recurring: 'all',
  ...overrides,
});

export const terms = (overrides: Partial<Terms> = {}): Terms => ({
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

/** A book whose purchases are credited to aff_1 (by a candidate on the first one) under `termsOf`. */
export const attributedBook = (updates: [string, PurchaseUpdate][], termsOf: Terms = terms()): Book => {
  let book = emptyBook('cus_1', 'cus_1');
  for (const [key, update] of updates) book = withPurchase(book, key, update);
  const purchases: Book['purchases'] = Object.fromEntries(
    Object.entries(book.purchases).map(([key, record]) => [key, { ...record, terms: termsOf }]),
  );
  const first = Object.keys(purchases).sort((a, b) => (purchases[a]?.invoice?.paidAt ?? '').localeCompare(purchases[b]?.invoice?.paidAt ?? ''))[0] as string;
  purchases[first] = { ...(purchases[first] as Book['purchases'][string]), candidate: { affiliateId: termsOf.affiliateId, source: 'coupon', at: at(0) } };
  return withSubscription({ ...book, purchases }, 'sub_1', {
    trackedBy: 'per_transaction',
    startedAt: at(1),
    trialEndsAt: null,
    endedAt: null,
    cancelAt: null,
    observedAt: at(1),
  });
};
