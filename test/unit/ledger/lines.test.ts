import fc from 'fast-check';
import type { DisputeFact, RefundFact } from '../../../lambdas/ledger/book';
import { commissionLedger, type LedgerInput } from '../../../lambdas/ledger/lines';
import { at } from './books';

const refund = (amount: number, day: number, overrides: Partial<RefundFact> = {}): RefundFact => ({
  amount,
  status: 'succeeded',
  createdAt: at(day),
  observedAt: at(day),
  ...overrides,
});

const dispute = (outcome: DisputeFact['outcome'], opened: number, closed?: number): DisputeFact => ({
  amount: 10_000,
  outcome,
  openedAt: at(opened),
  ...(closed ? { closedAt: at(closed) } : {}),
  observedAt: at(closed ?? opened),
});

const input = (overrides: Partial<LedgerInput> = {}): LedgerInput => ({
  earned: 999,
  earnedReason: '10 % of 99.90 USD (plan Standard)',
  earnedAt: at(1),
  total: 9_990,
  currency: 'usd',
  refunds: {},
  disputes: {},
  payouts: {},
  ...overrides,
});

const sum = (amounts: number[]) => amounts.reduce((acc, amount) => acc + amount, 0);

describe('commission ledger lines', () => {
  it('starts with the earned line', () => {
    expect(commissionLedger(input())).toEqual({
      lines: [{ type: 'earned', amount: 999, reason: '10 % of 99.90 USD (plan Standard)', at: at(1), ref: 'earned' }],
      net: 999,
      paid: 0,
      state: 'open',
    });
  });

  it('reduces the commission in proportion to a partial refund', () => {
    const ledger = commissionLedger(input({ refunds: { re_1: refund(2_497, 2) } }));
    expect(ledger.lines[1]).toMatchObject({ type: 'adjusted', amount: -250, reason: 'refund re_1 of 24.97 USD', at: at(2) }); // 999 × 2497/9990 = 249.7
    expect(ledger).toMatchObject({ net: 749, state: 'open' });
  });

  it('reverses exactly the whole commission when several partial refunds add up to the payment', () => {
    const ledger = commissionLedger(input({ refunds: { re_1: refund(3_330, 2), re_2: refund(3_330, 3), re_3: refund(3_330, 4) } }));
    expect(ledger.lines.map((line) => line.type)).toEqual(['earned', 'adjusted', 'adjusted', 'reversed']);
    expect(sum(ledger.lines.map((line) => line.amount))).toBe(0);
    expect(ledger).toMatchObject({ net: 0, state: 'reversed' });
  });

  it('sums exactly for any sequence of refunds (cumulative rounding)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.array(fc.integer({ min: 1, max: 5_000 }), { minLength: 1, maxLength: 8 }), (earned, parts) => {
        const total = sum(parts);
        const refunds = Object.fromEntries(parts.map((part, i) => [`re_${i}`, refund(part, i + 2)]));
        const ledger = commissionLedger(input({ earned, total, refunds }));
        expect(sum(ledger.lines.map((line) => line.amount))).toBe(ledger.net);
        expect(ledger.net).toBe(0);
      }),
    );
  });

  it('gives the share back when a refund fails', () => {
    const ledger = commissionLedger(input({ refunds: { re_1: refund(4_995, 2, { status: 'failed', endedAt: at(3) }) } }));
    expect(ledger.lines.slice(1)).toMatchObject([
      { type: 'adjusted', amount: -500, at: at(2) },
      { type: 'adjusted', amount: 500, reason: 'refund re_1 of 49.95 USD failed; its share is restored', at: at(3) },
    ]);
    expect(ledger).toMatchObject({ net: 999, state: 'open' });
  });

  it('holds a disputed commission, and releases it when the dispute is won', () => {
    expect(commissionLedger(input({ disputes: { du_1: dispute('open', 2) } }))).toMatchObject({ net: 999, state: 'held' });
    const won = commissionLedger(input({ disputes: { du_1: dispute('won', 2, 5) } }));
    expect(won.lines.slice(1)).toMatchObject([
      { type: 'held', amount: 0, at: at(2) },
      { type: 'released', amount: 0, at: at(5) },
    ]);
    expect(won).toMatchObject({ net: 999, state: 'open' });
  });

  it('reverses what is left when a dispute is lost', () => {
    const lost = commissionLedger(input({ refunds: { re_1: refund(999, 2) }, disputes: { du_1: dispute('lost', 3, 5) } }));
    expect(lost.lines.map(({ type, amount }) => [type, amount])).toEqual([
      ['earned', 999],
      ['adjusted', -100],
      ['held', 0],
      ['reversed', -899],
    ]);
    expect(lost).toMatchObject({ net: 0, state: 'reversed' });
  });

  it('keeps a paid commission paid after a refund, with a negative line and a negative balance', () => {
    const ledger = commissionLedger(input({ payouts: { po_1: { amount: 999, at: at(3), knew: [] } }, refunds: { re_1: refund(9_990, 4) } }));
    expect(ledger.lines.map(({ type, amount }) => [type, amount])).toEqual([
      ['earned', 999],
      ['paid', -999],
      ['reversed', -999],
    ]);
    expect(ledger).toMatchObject({ net: 0, paid: 999, state: 'paid' });
  });

  it('puts a refund the payout did not know of after it, even when Stripe dates it in the same second', () => {
    const payout = { amount: 999, at: '2026-01-03T12:00:00.400Z', knew: [] };
    const ledger = commissionLedger(input({ payouts: { po_1: payout }, refunds: { re_1: refund(9_990, 3) } }));
    expect(ledger.lines.map((line) => line.type)).toEqual(['earned', 'paid', 'reversed']);
    expect(ledger.lines[2]?.at).toBe(at(3));
    const known = commissionLedger(input({ payouts: { po_1: { ...payout, amount: 0, knew: ['re_1'] } }, refunds: { re_1: refund(9_990, 3) } }));
    expect(known.lines.map((line) => line.type)).toEqual(['earned', 'reversed', 'paid']);
  });

  it('orders lines by time whatever order the facts are in', () => {
    const refunds = { re_b: refund(100, 3), re_a: refund(100, 2) };
    const reversed = Object.fromEntries(Object.entries(refunds).reverse());
    expect(commissionLedger(input({ refunds })).lines).toEqual(commissionLedger(input({ refunds: reversed })).lines);
  });
});
