import type Stripe from 'stripe';
import { markOutOfSync } from '../../coupon-sync/drift';
import { tallyMetadata } from '../../coupon-sync/metadata';
import type { EventHandler } from '../types';

/**
 * A coupon deleted in the dashboard takes its promotion codes with it (Stripe sends no event for
 * them): if it is the coupon an affiliate's sync recorded, the affiliate is out of sync. Tally's
 * coupons name their affiliate; the coupon of a code adopted from the merchant is left to the
 * scheduled drift repair.
 */
export const couponDeleted: EventHandler<Stripe.CouponDeletedEvent> = async (event, context) => {
  const coupon = event.data.object;
  return markOutOfSync(context, {
    affiliateId: coupon.metadata?.[tallyMetadata.affiliateId],
    concerns: (sync) => sync.stripeCouponId === coupon.id,
    reason: `The coupon ${coupon.id} was deleted in Stripe.`,
  });
};
