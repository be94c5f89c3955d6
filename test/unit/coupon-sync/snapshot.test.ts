import type { PromotionCodeView } from '../../../lambdas/coupon-sync/plan';
import { indexSnapshot, observedFor } from '../../../lambdas/coupon-sync/snapshot';

const view = (id: string, code: string, affiliateId: string | null): PromotionCodeView => ({
  id,
  code,
  active: true,
  couponId: 'cpn',
  coupon: null,
  affiliateId,
  merchantId: affiliateId ? 'mer_1' : null,
});

describe("a bulk resync's snapshot of the account", () => {
  const snapshot = indexSnapshot([
    view('promo_ada', 'ADA-15', 'aff_ada'),
    view('promo_ada_old', 'ADA-OLD', 'aff_ada'),
    view('promo_hand', 'bob-10', null),
    view('promo_zed', 'ZED', 'aff_zed'),
  ]);

  it("gives an affiliate the codes Tally made for it and any code equal to its own, whatever the case", () => {
    expect(observedFor(snapshot, { id: 'aff_ada', couponCode: 'ADA-15' }).map((promo) => promo.id)).toEqual(['promo_ada', 'promo_ada_old']);
    expect(observedFor(snapshot, { id: 'aff_bob', couponCode: 'BOB-10' }).map((promo) => promo.id)).toEqual(['promo_hand']);
  });

  it('lists a promotion code once even when it is both the affiliate\'s and holds its code', () => {
    expect(observedFor(snapshot, { id: 'aff_zed', couponCode: 'zed' })).toHaveLength(1);
  });

  it('shows nothing for an affiliate without a code or codes', () => {
    expect(observedFor(snapshot, { id: 'aff_new', couponCode: null })).toEqual([]);
  });
});
