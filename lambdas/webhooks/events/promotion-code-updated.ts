import type Stripe from 'stripe';
import { findByCouponCode } from '../../affiliates/affiliate';
import { markOutOfSync } from '../../coupon-sync/drift';
import { tallyMetadata } from '../../coupon-sync/metadata';
import type { EventHandler } from '../types';

/**
 * A promotion code turned off in the dashboard: if it is the code an affiliate's sync recorded,
 * the affiliate is out of sync. Tally's codes name their affiliate; a code the merchant made by
 * hand (and Tally adopted) is found by its code.
 */
export const promotionCodeUpdated: EventHandler<Stripe.PromotionCodeUpdatedEvent> = async (event, context) => {
  const promo = event.data.object;
  if (promo.active || event.data.previous_attributes?.active !== true) return 'ignored: not a deactivation';
  return markOutOfSync(context, {
    affiliateId: promo.metadata?.[tallyMetadata.affiliateId] ?? (await findByCouponCode(context.merchantId, promo.code)),
    concerns: (sync) => sync.stripePromotionCodeId === promo.id,
    reason: `The promotion code ${promo.id} was deactivated in Stripe.`,
  });
};
