import type Stripe from 'stripe';
import { addInterval } from '../calendar';
import { invalidParam, invalidRequest, resourceMissing } from '../errors';
import type { Params } from '../form';
import { newId } from '../ids';
import { idOf } from '../object-types';
import { formatAmount } from '../money';
import type { EmulatorState } from '../state';
import type { Scope } from '../store';

/** A discount asked for on a purchase: a coupon, a promotion code by id, or (simulations) a code as a customer types it. */
export type DiscountRef = { coupon: string } | { promotionCode: string } | { code: string };

/** What a discount on a purchase comes from. */
export interface Redemption {
  coupon: Stripe.Coupon;
  promotionCode: Stripe.PromotionCode | null;
}

/** What a discount is checked against before it is applied. */
export interface PurchaseContext {
  currency: string;
  customer: string | null;
  subtotal: number;
}

/** `discounts[i][coupon]` or `discounts[i][promotion_code]`, one of them in each entry. */
export function readDiscounts(params: Params, key = 'discounts'): DiscountRef[] | undefined {
  return params.objectArray(key)?.map((entry) => {
    const coupon = entry.string('coupon');
    const promotionCode = entry.string('promotion_code');
    if ((coupon === undefined) === (promotionCode === undefined)) {
      throw invalidParam('You may only specify one of these parameters: coupon, promotion_code.', entry.name('coupon'));
    }
    return coupon !== undefined ? { coupon } : { promotionCode: promotionCode as string };
  });
}

function couponUsable(coupon: Stripe.Coupon, now: number): boolean {
  const expired = coupon.redeem_by !== null && coupon.redeem_by <= now;
  const exhausted = coupon.max_redemptions !== null && coupon.times_redeemed >= coupon.max_redemptions;
  return !expired && !exhausted;
}

function findPromotionCode(state: EmulatorState, scope: Scope, ref: { promotionCode: string } | { code: string }, param: string): Stripe.PromotionCode {
  const promotionCodes = state.store.collection(scope, 'promotion_code');
  if ('promotionCode' in ref) {
    const promo = promotionCodes.get(ref.promotionCode);
    if (!promo) throw resourceMissing('promotion code', ref.promotionCode, param, 400);
    return promo;
  }
  // A typed code finds the active code first; an inactive one is only found to say so.
  const candidates = promotionCodes.lookup('code', ref.code.toLowerCase());
  const promo = candidates.find((candidate) => candidate.active) ?? candidates.at(-1);
  if (!promo) throw resourceMissing('promotion code', ref.code, param, 400);
  return promo;
}

/**
 * The coupon (and promotion code) a discount reference stands for, refused as Stripe refuses a code
 * that cannot be redeemed on this purchase: inactive, expired, used up, for another customer, under its
 * minimum amount, or a fixed amount in another currency.
 */
export function resolveRedemption(state: EmulatorState, scope: Scope, ref: DiscountRef, purchase: PurchaseContext, param: string): Redemption {
  const now = state.now();
  let promotionCode: Stripe.PromotionCode | null = null;
  let couponId: string;
  if ('coupon' in ref) {
    couponId = ref.coupon;
  } else {
    promotionCode = findPromotionCode(state, scope, ref, param);
    const { code } = promotionCode;
    if (!promotionCode.active) throw invalidRequest(`This promotion code cannot be redeemed because it is inactive: \`${code}\`.`, { param });
    if (promotionCode.expires_at !== null && promotionCode.expires_at <= now) {
      throw invalidRequest(`This promotion code has expired: \`${code}\`.`, { param });
    }
    if (promotionCode.max_redemptions !== null && promotionCode.times_redeemed >= promotionCode.max_redemptions) {
      throw invalidRequest(`This promotion code has been redeemed the maximum number of times: \`${code}\`.`, { param });
    }
    const restrictedTo = idOf(promotionCode.customer);
    if (restrictedTo !== null && restrictedTo !== purchase.customer) {
      throw invalidRequest(`This promotion code cannot be redeemed by this customer: \`${code}\`.`, { param });
    }
    const { minimum_amount: minimum, minimum_amount_currency: minimumCurrency } = promotionCode.restrictions;
    if (minimum !== null && minimumCurrency === purchase.currency && purchase.subtotal < minimum) {
      throw invalidRequest(`This promotion code requires a minimum purchase of ${formatAmount(minimum, purchase.currency)}: \`${code}\`.`, { param });
    }
    couponId = idOf(promotionCode.promotion.coupon) as string;
  }
  const coupon = state.store.collection(scope, 'coupon').get(couponId);
  if (!coupon) throw resourceMissing('coupon', couponId, param, 400);
  if (!couponUsable(coupon, now)) throw invalidRequest(`Coupon expired: ${coupon.id}`, { param, code: 'coupon_expired' });
  if (coupon.amount_off !== null && coupon.currency !== purchase.currency) {
    throw invalidRequest(
      `The coupon ${coupon.id} is for ${formatAmount(coupon.amount_off, coupon.currency as string)} and cannot be applied to a purchase in ${purchase.currency}.`,
      { param },
    );
  }
  return { coupon, promotionCode };
}

/** One more use of the coupon and its promotion code (Stripe sends no event for it). */
export function recordRedemption(state: EmulatorState, scope: Scope, redemption: Redemption): void {
  const coupons = state.store.collection(scope, 'coupon');
  const coupon = coupons.get(redemption.coupon.id);
  if (coupon) coupons.replace({ ...coupon, times_redeemed: coupon.times_redeemed + 1 });
  const promotionCodes = state.store.collection(scope, 'promotion_code');
  const promo = redemption.promotionCode && promotionCodes.get(redemption.promotionCode.id);
  if (promo) promotionCodes.replace({ ...promo, times_redeemed: promo.times_redeemed + 1 });
}

export interface DiscountOwner {
  customer?: string | null;
  checkoutSession?: string | null;
  invoice?: string | null;
  subscription?: string | null;
}

/** The Discount object of a redemption; a `repeating` coupon's discount ends `duration_in_months` after it starts. */
export function createDiscount(state: EmulatorState, scope: Scope, redemption: Redemption, owner: DiscountOwner): Stripe.Discount {
  const start = state.now();
  const { coupon } = redemption;
  const discount: Stripe.Discount = {
    id: newId('di'),
    object: 'discount',
    checkout_session: owner.checkoutSession ?? null,
    customer: owner.customer ?? null,
    customer_account: null,
    end: coupon.duration === 'repeating' ? addInterval(start, 'month', coupon.duration_in_months ?? 1) : null,
    invoice: owner.invoice ?? null,
    invoice_item: null,
    promotion_code: redemption.promotionCode?.id ?? null,
    source: { coupon: coupon.id, type: 'coupon' },
    start,
    subscription: owner.subscription ?? null,
    subscription_item: null,
  };
  state.store.collection(scope, 'discount').insert(discount);
  return discount;
}

export function findDiscount(state: EmulatorState, scope: Scope, id: string): Stripe.Discount {
  const discount = state.store.collection(scope, 'discount').getIncludingRemoved(id);
  if (!discount) throw new Error(`discount ${id} is missing`);
  return discount;
}

export function updateDiscount(state: EmulatorState, scope: Scope, id: string, owner: DiscountOwner): Stripe.Discount {
  const before = findDiscount(state, scope, id);
  const after: Stripe.Discount = {
    ...before,
    ...(owner.customer !== undefined ? { customer: owner.customer } : {}),
    ...(owner.invoice !== undefined ? { invoice: owner.invoice } : {}),
    ...(owner.subscription !== undefined ? { subscription: owner.subscription } : {}),
  };
  return state.store.collection(scope, 'discount').replace(after);
}

/** The coupon of a stored discount (it may have been deleted since: deleted coupons stay resolvable). */
export function couponOf(state: EmulatorState, scope: Scope, discount: Stripe.Discount): Stripe.Coupon {
  const id = idOf(discount.source.coupon) as string;
  const coupon = state.store.collection(scope, 'coupon').getIncludingRemoved(id);
  if (!coupon) throw new Error(`coupon ${id} of discount ${discount.id} is missing`);
  return coupon;
}
