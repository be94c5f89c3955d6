import { createPlanInput, updatePlanInput } from '../../../lambdas/plans/plan';

describe('commission plan input', () => {
  it('fills the defaults: all payments, no SKUs, every recurring payment', () => {
    expect(createPlanInput.parse({ name: 'Std', rate: { percentBps: 1000 } })).toEqual({
      name: 'Std',
      rate: { percentBps: 1000 },
      paymentFor: 'all',
      lineItemSkus: [],
      recurring: 'all',
    });
  });

  it('lower-cases the currency of a flat rate', () => {
    expect(createPlanInput.parse({ name: 'Flat', rate: { flat: { amount: 1000, currency: 'JPY' } } }).rate).toEqual({
      flat: { amount: 1000, currency: 'jpy' },
    });
  });

  it.each([
    [{ percentBps: 0 }, true],
    [{ percentBps: 10_000 }, true],
    [{ percentBps: 10_001 }, false],
    [{ percentBps: 33.3 }, false],
    [{ flat: { amount: 1, currency: 'usd' } }, true],
    [{ flat: { amount: 1, currency: 'us' } }, false],
    [{ flat: { amount: 99_999_999, currency: 'usd' } }, true],
    [{ flat: { amount: 100_000_000, currency: 'usd' } }, false],
    [{ flat: { amount: 2 ** 53, currency: 'usd' } }, false],
    [{ flat: { amount: 500, currency: 'xyz' } }, false],
    [{ flat: { amount: 500, currency: 'kwd' } }, true],
  ])('accepts rate %j: %s', (rate, valid) => {
    expect(createPlanInput.safeParse({ name: 'P', rate }).success).toBe(valid);
  });

  it('bounds a flat rate in an update as in a new plan', () => {
    expect(updatePlanInput.safeParse({ rate: { flat: { amount: 100_000_000, currency: 'usd' } } }).success).toBe(false);
    expect(updatePlanInput.safeParse({ rate: { flat: { amount: 100, currency: 'xyz' } } }).success).toBe(false);
    expect(updatePlanInput.parse({ rate: { flat: { amount: 99_999_999, currency: 'USD' } } })).toEqual({
      rate: { flat: { amount: 99_999_999, currency: 'usd' } },
    });
  });

  it('takes a partial update but not an empty one', () => {
    expect(updatePlanInput.safeParse({ recurring: { months: 12 } }).success).toBe(true);
    expect(updatePlanInput.safeParse({}).success).toBe(false);
  });
});
