import { keys } from '../../../lambdas/store/keys';

describe('keys', () => {
  it('normalizes codes so claims are unique regardless of case', () => {
    expect(keys.affiliateCode('mer_1', 'coupon', 'Save-10')).toEqual(keys.affiliateCode('mer_1', 'coupon', 'SAVE-10'));
  });

  it('keeps code kinds and merchants apart', () => {
    const claims = [
      keys.affiliateCode('mer_1', 'coupon', 'abc'),
      keys.affiliateCode('mer_1', 'referral', 'abc'),
      keys.affiliateCode('mer_1', 'email', 'abc'),
      keys.affiliateCode('mer_2', 'coupon', 'abc'),
    ].map((key) => `${key.pk}|${key.sk}`);
    expect(new Set(claims).size).toBe(claims.length);
  });

  it('puts a merchant\'s plans and affiliates in its partition under distinct prefixes', () => {
    const plan = keys.plan('mer_1', 'plan_1');
    const affiliate = keys.affiliate('mer_1', 'aff_1');
    expect(plan.pk).toBe(affiliate.pk);
    expect(plan.sk.startsWith(keys.plans('mer_1').skPrefix as string)).toBe(true);
    expect(affiliate.sk.startsWith(keys.affiliates('mer_1').skPrefix as string)).toBe(true);
    expect(affiliate.sk.startsWith(keys.plans('mer_1').skPrefix as string)).toBe(false);
  });
});
