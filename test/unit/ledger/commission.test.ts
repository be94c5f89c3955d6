import { commissionableLines, earn, type PurchaseForCommission, recurringExclusion } from '../../../lambdas/ledger/commission';
import { plan, terms } from './books';

const purchase = (overrides: Partial<PurchaseForCommission> = {}): PurchaseForCommission => ({
  total: 10_000,
  currency: 'usd',
  lines: [
    { productId: 'prod_a', amount: 6_000 },
    { productId: 'prod_b', amount: 4_000 },
  ],
  afterSubscriptionEnded: false,
  position: { firstAt: new Date('2026-01-01T00:00:00Z'), isFirst: true, at: new Date('2026-01-01T00:00:00Z') },
  ...overrides,
});

describe('commission on a purchase', () => {
  it('pays a percentage of the lines, tax already excluded', () => {
    expect(earn(purchase(), terms())).toEqual({ earned: true, amount: 2_000, base: 10_000, reason: '20 % of 100.00 USD (plan Standard)' });
  });

  it('pays only on the plan\'s products for a line-items plan', () => {
    const skuPlan = terms({ plan: plan({ paymentFor: 'line_items', lineItemSkus: ['prod_b'] }) });
    expect(earn(purchase(), skuPlan)).toMatchObject({ earned: true, amount: 800, base: 4_000 });
    expect(commissionableLines(purchase().lines, { paymentFor: 'line_items', lineItemSkus: ['prod_c'] })).toEqual([]);
    expect(earn(purchase(), terms({ plan: plan({ paymentFor: 'line_items', lineItemSkus: ['prod_c'] }) }))).toEqual({
      earned: false,
      base: 0,
      reason: "no line is one of the plan's products",
    });
  });

  it('pays a flat amount in the purchase currency, and refuses to guess an exchange rate', () => {
    const flat = (currency: string) => terms({ plan: plan({ rate: { flat: { amount: 500, currency } } }) });
    expect(earn(purchase(), flat('usd'))).toMatchObject({ earned: true, amount: 500, reason: 'flat 5.00 USD (plan Standard)' });
    expect(earn(purchase(), flat('eur'))).toMatchObject({ earned: false, reason: expect.stringContaining('no exchange rate is guessed') });
  });

  it('handles zero-decimal currencies as whole units', () => {
    const yen = purchase({ currency: 'jpy', total: 3_333, lines: [{ productId: 'prod_a', amount: 3_333 }] });
    expect(earn(yen, terms({ plan: plan({ rate: { percentBps: 1500 } }) }))).toMatchObject({ amount: 500, reason: '15 % of 3333 JPY (plan Standard)' });
  });

  it.each([
    ['nothing was paid', purchase({ total: 0, lines: [{ productId: 'prod_a', amount: 0 }] }), terms()],
    ['the affiliate is archived', purchase(), terms({ affiliateActive: false })],
    ['no commission plan applies', purchase(), terms({ plan: null })],
    ['the subscription had been canceled', purchase({ afterSubscriptionEnded: true }), terms()],
    ['self_referral', purchase({ selfReferral: true }), terms()],
    ['rounds to zero', purchase({ total: 2, lines: [{ productId: null, amount: 2 }] }), terms({ plan: plan({ rate: { percentBps: 100 } }) })],
  ])('earns nothing, and says why, when %s', (reason, bought, given) => {
    const earning = earn(bought, given);
    expect(earning.earned).toBe(false);
    expect(earning.reason).toContain(reason);
  });

  describe('recurring plans, counted from the first commissioned payment', () => {
    const first = new Date('2026-01-31T00:00:00Z');
    const position = (at: string, isFirst = false) => ({ firstAt: first, isFirst, at: new Date(at) });

    it('pays the first payment only', () => {
      expect(recurringExclusion('first', position('2026-01-31T00:00:00Z', true))).toBeNull();
      expect(recurringExclusion('first', position('2026-02-28T00:00:00Z'))).toMatch(/first payment only/);
    });

    it('pays every payment', () => {
      expect(recurringExclusion('all', position('2030-01-01T00:00:00Z'))).toBeNull();
    });

    it('pays for N calendar months, the last of them included', () => {
      expect(recurringExclusion({ months: 2 }, position('2026-03-30T23:59:59Z'))).toBeNull();
      expect(recurringExclusion({ months: 2 }, position('2026-03-31T00:00:00Z'))).toMatch(/first 2 month/);
    });
  });
});
