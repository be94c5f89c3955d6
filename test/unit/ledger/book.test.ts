import fc from 'fast-check';
import { type PurchaseUpdate, type RefundStatus, sameFacts } from '../../../lambdas/ledger/book';
import { at, type Book, emptyBook, withPurchase } from './books';

/** Reports of one purchase as its events bring them: refunds and disputes reported more than once. */
const reportArb: fc.Arbitrary<PurchaseUpdate> = fc.oneof(
  fc.record({
    refundId: fc.constantFrom('re_1', 're_2'),
    status: fc.constantFrom<RefundStatus>('pending', 'succeeded', 'failed'),
    day: fc.integer({ min: 2, max: 4 }),
  }).map(({ refundId, status, day }) => ({
    kind: 'payment' as const,
    refunds: { [refundId]: { amount: 100, status, createdAt: at(2), observedAt: at(day), ...(status === 'failed' ? { endedAt: at(day) } : {}) } },
  })),
  fc.record({ outcome: fc.constantFrom('open', 'won', 'lost' as const), day: fc.integer({ min: 2, max: 4 }) }).map(({ outcome, day }) => ({
    kind: 'payment' as const,
    disputes: { du_1: { amount: 100, outcome, openedAt: at(2), ...(outcome === 'open' ? {} : { closedAt: at(day) }), observedAt: at(day) } },
  })),
  fc.integer({ min: 1, max: 3 }).map((day) => ({
    kind: 'payment' as const,
    charge: { chargeId: 'ch_1', paymentIntentId: 'pi_1', amount: 1_000, currency: 'usd', createdAt: at(1), observedAt: at(day) },
  })),
  fc.record({ email: fc.constantFrom('a@example.com', 'b@example.com'), day: fc.integer({ min: 1, max: 3 }) }).map(({ email, day }) => ({
    kind: 'payment' as const,
    evidence: { charge: { email, observedAt: at(day) } },
  })),
);

const apply = (reports: PurchaseUpdate[]): Book => reports.reduce((book, report) => withPurchase(book, 'pi_1', report), emptyBook('cus_1'));

describe('merging facts into a purchase', () => {
  it('gives one book for the same reports in any order, each possibly repeated', () => {
    fc.assert(
      fc.property(fc.array(reportArb, { minLength: 1, maxLength: 10 }), fc.infiniteStream(fc.nat()), (reports, seeds) => {
        const shuffled = [...reports, ...reports.slice(0, 3)]
          .map((report) => ({ report, order: seeds.next().value as number }))
          .sort((a, b) => a.order - b.order)
          .map(({ report }) => report);
        expect(sameFacts(apply(shuffled), apply(reports))).toBe(true);
      }),
    );
  });

  it('never lets a late "pending" undo a refund that failed, nor a late "opened" reopen a dispute', () => {
    const failed: PurchaseUpdate = { kind: 'payment', refunds: { re_1: { amount: 100, status: 'failed', createdAt: at(2), endedAt: at(3), observedAt: at(3) } } };
    const pending: PurchaseUpdate = { kind: 'payment', refunds: { re_1: { amount: 100, status: 'pending', createdAt: at(2), observedAt: at(5) } } };
    expect(apply([failed, pending]).purchases.pi_1?.refunds.re_1?.status).toBe('failed');
    const lost: PurchaseUpdate = { kind: 'payment', disputes: { du_1: { amount: 100, outcome: 'lost', openedAt: at(2), closedAt: at(4), observedAt: at(4) } } };
    const opened: PurchaseUpdate = { kind: 'payment', disputes: { du_1: { amount: 100, outcome: 'open', openedAt: at(2), observedAt: at(6) } } };
    expect(apply([lost, opened]).purchases.pi_1?.disputes.du_1?.outcome).toBe('lost');
  });
});
