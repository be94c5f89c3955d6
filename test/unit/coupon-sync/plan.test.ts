import type { Discount } from '../../../lambdas/affiliates/schema';
import {
  alreadyRecorded,
  couponGives,
  type CouponView,
  type DesiredCoupon,
  knownOn,
  makesCodeActive,
  outcomeOf,
  planCouponSync,
  type PromotionCodeView,
  syncRecord,
  withoutCoupon,
} from '../../../lambdas/coupon-sync/plan';

const fifteenOnce: Discount = { percentOff: 15, duration: 'once' };
const tenEuroForever: Discount = { amountOff: 1000, currency: 'eur', duration: 'forever' };

const desired = (overrides: Partial<DesiredCoupon> = {}): DesiredCoupon => ({
  merchantId: 'mer_1',
  affiliateId: 'aff_ada',
  code: 'ADA-15',
  discount: fifteenOnce,
  active: true,
  ...overrides,
});

const coupon = (overrides: Partial<CouponView> = {}): CouponView => ({
  id: 'cpn_15',
  valid: true,
  percentOff: 15,
  amountOff: null,
  currency: null,
  duration: 'once',
  durationInMonths: null,
  ...overrides,
});

/** A promotion code Tally made for Ada, unless overridden. */
const promo = (overrides: Partial<PromotionCodeView> = {}): PromotionCodeView => {
  const terms = overrides.coupon === undefined ? coupon() : overrides.coupon;
  return {
    id: 'promo_ada',
    code: 'ADA-15',
    active: true,
    couponId: terms?.id ?? 'cpn_gone',
    coupon: terms,
    affiliateId: 'aff_ada',
    merchantId: 'mer_1',
    ...overrides,
  };
};

const byHand = (overrides: Partial<PromotionCodeView> = {}) =>
  promo({ id: 'promo_hand', couponId: 'cpn_hand', coupon: coupon({ id: 'cpn_hand', percentOff: 50 }), affiliateId: null, merchantId: null, ...overrides });

describe('planning an affiliate coupon sync', () => {
  it('creates a coupon and a promotion code for a new code', () => {
    const plan = planCouponSync(desired(), {}, []);
    expect(plan.actions).toEqual([
      { type: 'create_coupon', discount: fifteenOnce, code: 'ADA-15' },
      { type: 'create_promotion_code', code: 'ADA-15', couponId: null },
    ]);
    expect(plan.status).toBe('synced');
    expect(outcomeOf(plan)).toBe('synced');
  });

  it('changes nothing when Stripe already shows the code with the right terms', () => {
    const plan = planCouponSync(desired(), { stripeCouponId: 'cpn_15', stripePromotionCodeId: 'promo_ada' }, [promo()]);
    expect(plan).toEqual({ actions: [], status: 'synced', stripeCouponId: 'cpn_15', stripePromotionCodeId: 'promo_ada' });
    expect(outcomeOf(plan)).toBe('unchanged');
  });

  it('treats codes that differ only in case as the same code, as Stripe does', () => {
    const plan = planCouponSync(desired({ code: 'ada-15' }), {}, [promo()]);
    expect(plan.actions).toEqual([]);
    expect(plan.stripePromotionCodeId).toBe('promo_ada');
  });

  it('moves a changed code to a new promotion code on the same coupon and deactivates the old one last', () => {
    const plan = planCouponSync(desired({ code: 'ADA-NEW' }), { stripeCouponId: 'cpn_15', stripePromotionCodeId: 'promo_ada' }, [promo()]);
    expect(plan.actions).toEqual([
      { type: 'create_promotion_code', code: 'ADA-NEW', couponId: 'cpn_15' },
      { type: 'deactivate_promotion_code', promotionCodeId: 'promo_ada' },
    ]);
    expect(plan.stripeCouponId).toBe('cpn_15');
  });

  it('makes a new coupon for a changed discount, freeing the code before it is created again', () => {
    const plan = planCouponSync(desired({ discount: tenEuroForever }), { stripePromotionCodeId: 'promo_ada' }, [promo()]);
    expect(plan.actions).toEqual([
      { type: 'create_coupon', discount: tenEuroForever, code: 'ADA-15' },
      { type: 'deactivate_promotion_code', promotionCodeId: 'promo_ada' },
      { type: 'create_promotion_code', code: 'ADA-15', couponId: null },
    ]);
  });

  it('deactivates every code of an archived affiliate and reports it in sync', () => {
    const known = { stripeCouponId: 'cpn_15', stripePromotionCodeId: 'promo_ada' };
    const plan = planCouponSync(desired({ active: false }), known, [promo(), promo({ id: 'promo_old', code: 'ADA-OLD' })]);
    expect(plan.actions).toEqual([
      { type: 'deactivate_promotion_code', promotionCodeId: 'promo_ada' },
      { type: 'deactivate_promotion_code', promotionCodeId: 'promo_old' },
    ]);
    expect(plan).toMatchObject({ status: 'synced', ...known });
  });

  it('reactivates the code of a restored affiliate instead of creating another', () => {
    const plan = planCouponSync(desired(), { stripePromotionCodeId: 'promo_ada' }, [promo({ active: false })]);
    expect(plan.actions).toEqual([{ type: 'activate_promotion_code', promotionCodeId: 'promo_ada', couponId: 'cpn_15' }]);
    expect(plan.stripePromotionCodeId).toBe('promo_ada');
  });

  it('replaces a code whose coupon was deleted in the dashboard with a new coupon and code', () => {
    const plan = planCouponSync(desired(), { stripeCouponId: 'cpn_15', stripePromotionCodeId: 'promo_ada' }, [promo({ active: false, coupon: null })]);
    expect(plan.actions.map((action) => action.type)).toEqual(['create_coupon', 'create_promotion_code']);
  });

  it('replans with a new coupon once Stripe says the coupon of a dormant code is deleted', () => {
    const observed = [promo({ active: false })];
    expect(planCouponSync(desired(), {}, observed).actions.map((action) => action.type)).toEqual(['activate_promotion_code']);
    const replanned = planCouponSync(desired(), {}, withoutCoupon(observed, 'cpn_15'));
    expect(replanned.actions.map((action) => action.type)).toEqual(['create_coupon', 'create_promotion_code']);
  });

  it('does not reuse a coupon that ran out of redemptions', () => {
    const plan = planCouponSync(desired(), {}, [promo({ active: false, coupon: coupon({ valid: false }) })]);
    expect(plan.actions.map((action) => action.type)).toEqual(['create_coupon', 'create_promotion_code']);
  });

  it('reports a conflict when the merchant already uses the code by hand, and never touches that code', () => {
    const plan = planCouponSync(desired(), {}, [byHand()]);
    expect(plan.actions).toEqual([]);
    expect(plan.status).toBe('conflict');
    expect(plan.error).toMatch(/"ADA-15" is already used by an active promotion code in Stripe \(promo_hand\)/);
    expect(outcomeOf(plan)).toBe('conflict');
  });

  it('still retires the old code of an affiliate whose new code is in conflict', () => {
    const plan = planCouponSync(desired({ code: 'TAKEN' }), {}, [byHand({ code: 'TAKEN' }), promo()]);
    expect(plan.status).toBe('conflict');
    expect(plan.actions).toEqual([{ type: 'deactivate_promotion_code', promotionCodeId: 'promo_ada' }]);
  });

  it("retires another affiliate's Tally code that still holds the code, since the code is this affiliate's now", () => {
    const sibling = promo({ id: 'promo_bob', affiliateId: 'aff_bob' });
    const plan = planCouponSync(desired(), {}, [sibling]);
    expect(plan.actions).toEqual([
      { type: 'create_coupon', discount: fifteenOnce, code: 'ADA-15' },
      { type: 'deactivate_promotion_code', promotionCodeId: 'promo_bob' },
      { type: 'create_promotion_code', code: 'ADA-15', couponId: null },
    ]);
  });

  it("treats a Tally code of another merchant's affiliate as the merchant's own: a conflict", () => {
    const plan = planCouponSync(desired(), {}, [promo({ id: 'promo_other', affiliateId: 'aff_x', merchantId: 'mer_2' })]);
    expect(plan.status).toBe('conflict');
  });

  it('is not applicable without a code, after deactivating what the affiliate had', () => {
    const plan = planCouponSync(desired({ code: null, discount: null }), { stripePromotionCodeId: 'promo_ada' }, [promo()]);
    expect(plan.actions).toEqual([{ type: 'deactivate_promotion_code', promotionCodeId: 'promo_ada' }]);
    expect(plan.status).toBe('not_applicable');
    expect(outcomeOf(plan)).toBe('notApplicable');
  });

  describe('for a code without a discount (managed by hand in Stripe)', () => {
    it('adopts the active promotion code the merchant made', () => {
      const plan = planCouponSync(desired({ discount: null }), {}, [byHand()]);
      expect(plan).toEqual({ actions: [], status: 'synced', stripeCouponId: 'cpn_hand', stripePromotionCodeId: 'promo_hand' });
    });

    it('keeps the code Tally made before the discount was removed', () => {
      const plan = planCouponSync(desired({ discount: null }), { stripePromotionCodeId: 'promo_ada' }, [promo()]);
      expect(plan).toMatchObject({ actions: [], status: 'synced', stripePromotionCodeId: 'promo_ada' });
    });

    it('fails with a clear message when no such code exists, and invents no discount', () => {
      const plan = planCouponSync(desired({ discount: null }), {}, [byHand({ active: false })]);
      expect(plan.actions).toEqual([]);
      expect(plan.status).toBe('failed');
      expect(plan.error).toMatch(/No active promotion code "ADA-15" exists in Stripe.*add the promotion code in the Stripe dashboard/);
    });

    it('conflicts once the affiliate gets a discount while the adopted code is still active', () => {
      const plan = planCouponSync(desired(), { stripePromotionCodeId: 'promo_hand' }, [byHand()]);
      expect(plan.status).toBe('conflict');
      expect(plan.actions).toEqual([]);
    });
  });
});

describe('coupon terms', () => {
  it('match a percentage to two decimals, Stripe reporting it as a decimal number', () => {
    expect(couponGives(coupon({ percentOff: 12.5 }), { percentOff: 12.5, duration: 'once' })).toBe(true);
    expect(couponGives(coupon({ percentOff: 12.5 }), { percentOff: 12.51, duration: 'once' })).toBe(false);
  });

  it('match an amount only in the same currency', () => {
    const euros = coupon({ percentOff: null, amountOff: 1000, currency: 'eur', duration: 'forever' });
    expect(couponGives(euros, tenEuroForever)).toBe(true);
    expect(couponGives(euros, { ...tenEuroForever, currency: 'usd' })).toBe(false);
  });

  it('match the duration and its months', () => {
    const threeMonths = coupon({ duration: 'repeating', durationInMonths: 3 });
    expect(couponGives(threeMonths, { percentOff: 15, duration: 'repeating', durationInMonths: 3 })).toBe(true);
    expect(couponGives(threeMonths, { percentOff: 15, duration: 'repeating', durationInMonths: 6 })).toBe(false);
    expect(couponGives(threeMonths, fifteenOnce)).toBe(false);
  });
});

describe('recording an outcome', () => {
  it('fills in what the actions created, on the account they were made on', () => {
    const plan = planCouponSync(desired(), {}, []);
    expect(syncRecord(plan, { stripeCouponId: 'cpn_new', stripePromotionCodeId: 'promo_new' }, '2030-01-01T00:00:00.000Z', 'acct_1')).toEqual({
      status: 'synced',
      stripeAccountId: 'acct_1',
      stripeCouponId: 'cpn_new',
      stripePromotionCodeId: 'promo_new',
      lastSyncedAt: '2030-01-01T00:00:00.000Z',
      error: undefined,
    });
  });

  it('is needed unless the affiliate already shows the outcome of a plan without actions, for the same account', () => {
    const plan = planCouponSync(desired(), {}, [promo()]);
    const shown = { status: 'synced', stripeAccountId: 'acct_1', stripeCouponId: 'cpn_15', stripePromotionCodeId: 'promo_ada' } as const;
    expect(alreadyRecorded(shown, plan, 'acct_1')).toBe(true);
    expect(alreadyRecorded(shown, plan, 'acct_2')).toBe(false);
    expect(alreadyRecorded({ ...shown, status: 'pending' }, plan, 'acct_1')).toBe(false);
    expect(alreadyRecorded({ ...shown, error: 'old' }, plan, 'acct_1')).toBe(false);
    expect(alreadyRecorded(shown, planCouponSync(desired({ code: 'NEW' }), {}, [promo()]), 'acct_1')).toBe(false);
  });
});

describe("the affiliate's record as the sync reads it", () => {
  const recorded = { status: 'synced', stripeAccountId: 'acct_old', stripeCouponId: 'cpn_15', stripePromotionCodeId: 'promo_ada' } as const;

  it("knows nothing of another account's objects, once a new account is connected", () => {
    expect(knownOn(recorded, 'acct_old')).toEqual({ stripeCouponId: 'cpn_15', stripePromotionCodeId: 'promo_ada' });
    expect(knownOn(recorded, 'acct_new')).toEqual({});
  });

  it('takes a record that names no account as the connected one', () => {
    expect(knownOn({ ...recorded, stripeAccountId: undefined }, 'acct_new')).toEqual({ stripeCouponId: 'cpn_15', stripePromotionCodeId: 'promo_ada' });
  });
});

describe('plans that make a code active, whose code is noted first', () => {
  it('create a promotion code or bring one back; retiring codes makes none active', () => {
    expect(makesCodeActive(planCouponSync(desired(), {}, []))).toBe(true);
    expect(makesCodeActive(planCouponSync(desired(), {}, [promo({ active: false })]))).toBe(true);
    expect(makesCodeActive(planCouponSync(desired({ active: false }), {}, [promo()]))).toBe(false);
    expect(makesCodeActive(planCouponSync(desired({ code: null, discount: null }), {}, [promo()]))).toBe(false);
  });
});
