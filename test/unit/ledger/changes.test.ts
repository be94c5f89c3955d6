import { type Book, type SubscriptionFacts, withPurchase, withSubscription } from '../../../lambdas/ledger/book';
import { ledgerChanges, ledgerStats } from '../../../lambdas/ledger/changes';
import { deriveBook } from '../../../lambdas/ledger/derive';
import { at, attributedBook, invoice, scope } from './books';

const figures = (book: Book) => ledgerStats(deriveBook(book, scope), scope);

describe('ledger changes', () => {
  const base = attributedBook([['in_1', invoice('in_1', 1, 5_000)]]);

  it('rewrites the projections a change touched, and only those', () => {
    const refunded = withPurchase(base, 'in_1', { kind: 'invoice', refunds: { re_1: { amount: 2_500, status: 'succeeded', createdAt: at(5), observedAt: at(5) } } });
    const changes = ledgerChanges(deriveBook(base, scope), deriveBook(refunded, scope));
    expect(changes.purchases.put.map((purchase) => purchase.refunded)).toEqual([2_500]);
    expect(changes.commissions.put.map((commission) => commission.ledger.net)).toEqual([500]);
    expect(changes.purchases.remove).toEqual([]);
  });

  it('changes nothing for facts already known', () => {
    const again = withPurchase(base, 'in_1', invoice('in_1', 1, 5_000));
    expect(ledgerChanges(deriveBook(base, scope), deriveBook(again, scope))).toEqual({ purchases: { put: [], remove: [] }, commissions: { put: [], remove: [] } });
    expect(figures(again)).toEqual(figures(base));
  });
});

describe('ledger figures for the stats', () => {
  const base = attributedBook([['in_1', invoice('in_1', 1, 5_000)]]);

  it('counts a sale and the commission it earned on the purchase\'s day', () => {
    expect(figures(base)).toEqual([
      { ...scope, at: at(1), affiliateId: 'aff_1', sales: { count: 1, amount: { amount: 5_000, currency: 'usd' } } },
      { ...scope, at: at(1), affiliateId: 'aff_1', commissionsEarned: { amount: 1_000, currency: 'usd' } },
    ]);
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

  it('counts a cancellation at its time, and a payout not at all', () => {
    const subscription = base.subscriptions.sub_1 as SubscriptionFacts;
    const ended = withSubscription(base, 'sub_1', { ...subscription, endedAt: at(9), observedAt: at(9) });
    expect(figures(ended).at(-1)).toEqual({ ...scope, at: at(9), cancellations: 1 });
    const record = base.purchases.in_1 as Book['purchases'][string];
    const paid: Book = { ...base, purchases: { in_1: { ...record, payouts: { po_1: { amount: 1_000, at: at(3), knew: [] } } } } };
    expect(figures(paid)).toEqual(figures(base));
  });
});
