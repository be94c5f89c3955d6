import type { PurchaseRecord } from '../../../lambdas/ledger/book';
import { cancellationStats, purchaseStats } from '../../../lambdas/ledger/changes';
import { nothingDerived } from '../../../lambdas/ledger/derive';
import { at, attributedBook, type Book, deriveBook, invoice, perTransaction, scope, withPurchase } from './books';

/** The figures of one purchase as its ledger derives it now. */
const figures = (book: Book, key = 'in_1') => {
  const derived = deriveBook(book, scope);
  return purchaseStats({ purchase: derived.purchases.get(key) ?? null, commission: derived.commissions.get(key) ?? null }, scope);
};

describe('a purchase\'s figures for the stats', () => {
  const base = attributedBook([['in_1', invoice('in_1', 1, 5_000)]]);

  it('counts a sale and the commission it earned on the purchase\'s day', () => {
    expect(figures(base)).toEqual([
      { ...scope, at: at(1), affiliateId: 'aff_1', sales: { count: 1, amount: { amount: 5_000, currency: 'usd' } } },
      { ...scope, at: at(1), affiliateId: 'aff_1', commissionsEarned: { amount: 1_000, currency: 'usd' } },
    ]);
  });

  it('counts nothing for a purchase that is not one (yet)', () => {
    expect(purchaseStats(nothingDerived, scope)).toEqual([]);
  });

  it('changes nothing for facts already known', () => {
    expect(figures(withPurchase(base, 'in_1', invoice('in_1', 1, 5_000)))).toEqual(figures(base));
  });

  it('counts a settled refund and the commission it took back on the refund\'s day, and nothing for a refund that failed', () => {
    const refunded = withPurchase(base, 'in_1', {
      kind: 'invoice',
      refunds: {
        re_1: { amount: 2_500, status: 'succeeded', createdAt: at(5), observedAt: at(5) },
        re_2: { amount: 1_000, status: 'failed', createdAt: at(6), endedAt: at(7), observedAt: at(7) },
      },
    });
    expect(figures(refunded).slice(1)).toEqual([
      { ...scope, at: at(5), affiliateId: 'aff_1', refunds: { count: 1, amount: { amount: 2_500, currency: 'usd' } } },
      { ...scope, at: at(1), affiliateId: 'aff_1', commissionsEarned: { amount: 1_000, currency: 'usd' } },
      { ...scope, at: at(5), affiliateId: 'aff_1', commissionsReversed: { amount: 500, currency: 'usd' } },
    ]);
  });

  it('counts a payout not at all: it moves money, not value', () => {
    const record = base.purchases.in_1 as PurchaseRecord;
    const paid: Book = { ...base, purchases: { in_1: { ...record, payouts: { po_1: { amount: 1_000, at: at(3), knew: [] } } } } };
    expect(figures(paid)).toEqual(figures(base));
  });

  it('counts each ended subscription once, at its end', () => {
    expect(cancellationStats({ sub_1: perTransaction(), sub_2: { ...perTransaction(), endedAt: at(9), observedAt: at(9) } }, scope)).toEqual([
      { ...scope, at: at(9), cancellations: 1 },
    ]);
  });
});
