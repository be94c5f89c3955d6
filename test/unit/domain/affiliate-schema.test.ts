import { couponSyncAfterChange } from '../../../lambdas/affiliates/affiliate';
import { couponCodeSchema, discountSchema, updateAffiliateInput } from '../../../lambdas/affiliates/schema';

describe('discount', () => {
  it.each([
    [{ percentOff: 25.5, duration: 'forever' }, true],
    [{ percentOff: 0.01, duration: 'once' }, true],
    [{ percentOff: 0, duration: 'once' }, false],
    [{ amountOff: 500, currency: 'EUR', duration: 'repeating', durationInMonths: 6 }, true],
    [{ amountOff: 500, duration: 'once' }, false],
    [{ percentOff: 10, currency: 'usd', duration: 'once' }, false],
    [{ percentOff: 10, duration: 'once', durationInMonths: 2 }, false],
    [{ duration: 'once' }, false],
    [{ amountOff: 99_999_999, currency: 'usd', duration: 'once' }, true],
    [{ amountOff: 100_000_000, currency: 'usd', duration: 'once' }, false],
    [{ amountOff: 2 ** 53, currency: 'usd', duration: 'once' }, false],
    [{ amountOff: 0, currency: 'usd', duration: 'once' }, false],
    [{ amountOff: 500, currency: 'xyz', duration: 'once' }, false],
    [{ amountOff: 500, currency: 'jpy', duration: 'forever' }, true],
  ])('%j is valid: %s', (discount, valid) => {
    expect(discountSchema.safeParse(discount).success).toBe(valid);
  });
});

describe('discount currency', () => {
  it('is given in lower case, and must be one Stripe supports', () => {
    expect(discountSchema.parse({ amountOff: 500, currency: 'USD', duration: 'once' }).currency).toBe('usd');
    const unknown = discountSchema.safeParse({ amountOff: 500, currency: 'xyz', duration: 'once' });
    expect(unknown.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['currency', expect.stringMatching(/not a currency Stripe supports/)],
    ]);
  });
});

describe('coupon code', () => {
  it.each([
    ['SUMMER-20', true],
    ['abc123', true],
    ['  PADDED  ', true],
    ['WITH SPACE', false],
    ['UNDER_SCORE', false],
    ['ÜMLAUT', false],
    ['', false],
    ['A'.repeat(101), false],
  ])('%j is valid: %s', (code, valid) => {
    expect(couponCodeSchema.safeParse(code).success).toBe(valid);
  });
});

describe('affiliate update input', () => {
  it('accepts null to remove optional fields', () => {
    expect(updateAffiliateInput.parse({ couponCode: null, discount: null, name: null })).toEqual({ couponCode: null, discount: null, name: null });
  });
  it('refuses an empty change and an unknown field', () => {
    expect(updateAffiliateInput.safeParse({}).success).toBe(false);
    expect(updateAffiliateInput.safeParse({ balance: 10 }).success).toBe(false);
  });
});

describe('couponSyncAfterChange', () => {
  it('waits for a sync while there is a code', () => {
    expect(couponSyncAfterChange(undefined, 'CODE')).toEqual({ status: 'pending', error: undefined });
  });

  it('has nothing to do for an affiliate that never had a code', () => {
    expect(couponSyncAfterChange(undefined, null).status).toBe('not_applicable');
  });

  it('still waits when a removed code has a promotion code left to deactivate, and keeps its IDs', () => {
    const synced = { status: 'synced' as const, stripePromotionCodeId: 'promo_1', stripeCouponId: 'co_1', lastSyncedAt: 'x' };
    expect(couponSyncAfterChange(synced, null)).toMatchObject({ status: 'pending', stripePromotionCodeId: 'promo_1', stripeCouponId: 'co_1' });
  });

  it('clears a previous error', () => {
    expect(couponSyncAfterChange({ status: 'failed', error: 'bad' }, 'CODE').error).toBeUndefined();
  });
});
