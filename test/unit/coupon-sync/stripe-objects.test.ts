import type Stripe from 'stripe';
import { couponParams, idempotencyKey, promotionCodeView } from '../../../lambdas/coupon-sync/stripe-objects';

const scope = { mode: 'live' as const, accountId: 'acct_1' };
const context = { merchantId: 'mer_1', affiliateId: 'aff_ada', generation: 3 };

describe('idempotency keys of sync writes', () => {
  const params = { code: 'ADA-15', promotion: { type: 'coupon', coupon: 'cpn_1' } };

  it('are the same for the same intended write, so a retry replays it', () => {
    expect(idempotencyKey(scope, context, 'create_promotion_code', params)).toBe(idempotencyKey(scope, context, 'create_promotion_code', { ...params }));
  });

  it('differ for other parameters, another generation, mode or account', () => {
    const key = idempotencyKey(scope, context, 'create_promotion_code', params);
    expect(idempotencyKey(scope, context, 'create_promotion_code', { ...params, code: 'ADA-20' })).not.toBe(key);
    expect(idempotencyKey(scope, { ...context, generation: 4 }, 'create_promotion_code', params)).not.toBe(key);
    expect(idempotencyKey({ ...scope, mode: 'test' }, context, 'create_promotion_code', params)).not.toBe(key);
    expect(idempotencyKey({ ...scope, accountId: 'acct_2' }, context, 'create_promotion_code', params)).not.toBe(key);
  });

  it('differ for a write planned again after Stripe refused one as stale, whose answer Stripe may keep', () => {
    const key = idempotencyKey(scope, context, 'create_promotion_code', params);
    expect(idempotencyKey(scope, { ...context, replan: 0 }, 'create_promotion_code', params)).toBe(key);
    expect(idempotencyKey(scope, { ...context, replan: 1 }, 'create_promotion_code', params)).not.toBe(key);
  });

  it('fit in the 255 characters Stripe allows', () => {
    expect(idempotencyKey(scope, { ...context, affiliateId: `aff_${'x'.repeat(60)}` }, 'deactivate_promotion_code', params).length).toBeLessThan(255);
  });
});

describe('coupon parameters', () => {
  it('carry a percentage or an amount with its currency, the duration, and the affiliate in metadata', () => {
    expect(couponParams({ percentOff: 12.5, duration: 'repeating', durationInMonths: 3 }, 'ADA-15', context)).toEqual({
      percent_off: 12.5,
      duration: 'repeating',
      duration_in_months: 3,
      name: 'ADA-15',
      metadata: { tally_affiliate_id: 'aff_ada', tally_merchant_id: 'mer_1' },
    });
    expect(couponParams({ amountOff: 500, currency: 'jpy', duration: 'once' }, 'X'.repeat(60), context)).toMatchObject({
      amount_off: 500,
      currency: 'jpy',
      name: 'X'.repeat(40),
    });
  });
});

describe('a promotion code as the sync sees it', () => {
  const promo = (coupon: string | Partial<Stripe.Coupon>, metadata: Record<string, string> = {}) =>
    ({ id: 'promo_1', code: 'ADA-15', active: true, metadata, promotion: { type: 'coupon', coupon } }) as unknown as Stripe.PromotionCode;

  it("reads the coupon's terms and the affiliate Tally named in metadata", () => {
    const view = promotionCodeView(
      promo({ id: 'cpn_1', valid: true, percent_off: 15, amount_off: null, currency: null, duration: 'once', duration_in_months: null }, { tally_affiliate_id: 'aff_ada', tally_merchant_id: 'mer_1' }),
    );
    expect(view).toEqual({
      id: 'promo_1',
      code: 'ADA-15',
      active: true,
      couponId: 'cpn_1',
      coupon: { id: 'cpn_1', valid: true, percentOff: 15, amountOff: null, currency: null, duration: 'once', durationInMonths: null },
      affiliateId: 'aff_ada',
      merchantId: 'mer_1',
    });
  });

  it('knows no terms of a coupon Stripe did not expand, and no affiliate on a code made by hand', () => {
    expect(promotionCodeView(promo('cpn_1'))).toMatchObject({ couponId: 'cpn_1', coupon: null, affiliateId: null, merchantId: null });
  });
});
