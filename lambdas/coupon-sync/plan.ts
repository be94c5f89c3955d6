import * as z from 'zod';
import type { Affiliate, CouponSync, CouponSyncStatus } from '../affiliates/affiliate';
import type { Discount } from '../affiliates/schema';

/**
 * What to change in Stripe so that one affiliate's coupon code is true there, decided from what
 * Tally wants and what Stripe shows. Pure: the Stripe adapter reads and writes around it.
 */

/** What Tally wants Stripe to show for one affiliate. */
export interface DesiredCoupon {
  merchantId: string;
  affiliateId: string;
  code: string | null;
  /** Null: a code the merchant manages by hand in Stripe (the article's manual process). */
  discount: Discount | null;
  /** False once the affiliate is archived: its code must stop working. */
  active: boolean;
}

export const desiredOf = (merchantId: string, affiliate: Affiliate): DesiredCoupon => ({
  merchantId,
  affiliateId: affiliate.id,
  code: affiliate.couponCode,
  discount: affiliate.discount,
  active: affiliate.status === 'active',
});

/** A coupon's terms as Stripe reports them; `valid` turns false once it expired or ran out. */
export const couponViewSchema = z.object({
  id: z.string(),
  valid: z.boolean(),
  percentOff: z.number().nullable(),
  amountOff: z.int().nullable(),
  currency: z.string().nullable(),
  /** Stripe may add durations; one Tally does not know never matches a discount. */
  duration: z.string(),
  durationInMonths: z.int().nullable(),
});
export type CouponView = z.infer<typeof couponViewSchema>;

/** A promotion code on the merchant's account, reduced to what the sync decides on. */
export const promotionCodeViewSchema = z.object({
  id: z.string(),
  code: z.string(),
  active: z.boolean(),
  couponId: z.string().nullable(),
  /** Null when the coupon is gone (deleted in the dashboard). */
  coupon: couponViewSchema.nullable(),
  /** From the metadata Tally writes; null on codes made by hand. */
  affiliateId: z.string().nullable(),
  merchantId: z.string().nullable(),
});
export type PromotionCodeView = z.infer<typeof promotionCodeViewSchema>;

/** The Stripe objects Tally last recorded for the affiliate in this mode. */
export type KnownObjects = Pick<CouponSync, 'stripeCouponId' | 'stripePromotionCodeId'>;

/**
 * What the affiliate's record says about the connected account: nothing, once the record is of
 * another account's objects (a new account was connected in the mode). A record written before
 * records named their account is taken as the current account's.
 */
export const knownOn = (recorded: CouponSync, accountId: string): KnownObjects =>
  recorded.stripeAccountId === undefined || recorded.stripeAccountId === accountId
    ? { stripeCouponId: recorded.stripeCouponId, stripePromotionCodeId: recorded.stripePromotionCodeId }
    : {};

export type SyncAction =
  /** `code`: the code the coupon is made for, which names it. */
  | { type: 'create_coupon'; discount: Discount; code: string }
  /** `couponId` null: the coupon this plan creates first. */
  | { type: 'create_promotion_code'; code: string; couponId: string | null }
  /** `couponId`: the coupon it points at, which Stripe may refuse as deleted. */
  | { type: 'activate_promotion_code'; promotionCodeId: string; couponId: string | null }
  | { type: 'deactivate_promotion_code'; promotionCodeId: string };

export type SyncedStatus = Exclude<CouponSyncStatus, 'pending'>;

export interface SyncPlan {
  /** In order: a new coupon first, then the code that frees its own code, the new code, old codes last. */
  actions: SyncAction[];
  status: SyncedStatus;
  /** The objects to record; what the plan creates is only known once it ran. */
  stripeCouponId?: string;
  stripePromotionCodeId?: string;
  error?: string;
}

/** Stripe compares codes without case among active codes; so does Tally. */
export const sameCode = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** Whether a plan makes a promotion code active (creates one or brings one back): its code is noted first. */
export const makesCodeActive = (plan: SyncPlan): boolean =>
  plan.actions.some((action) => action.type === 'create_promotion_code' || action.type === 'activate_promotion_code');

const sameHundredths = (a: number, b: number) => Math.round(a * 100) === Math.round(b * 100);

/** A coupon gives the discount when it is still redeemable and its terms are the discount's. */
export const couponGives = (coupon: CouponView, discount: Discount): boolean =>
  coupon.valid &&
  coupon.duration === discount.duration &&
  (coupon.durationInMonths ?? undefined) === discount.durationInMonths &&
  (discount.percentOff !== undefined
    ? coupon.percentOff !== null && sameHundredths(coupon.percentOff, discount.percentOff)
    : coupon.amountOff === discount.amountOff && coupon.currency === discount.currency);

const deactivate = (promo: PromotionCodeView): SyncAction => ({ type: 'deactivate_promotion_code', promotionCodeId: promo.id });

const conflictMessage = (code: string, holder: PromotionCodeView) =>
  `The code "${code}" is already used by an active promotion code in Stripe (${holder.id}) that Tally did not create for this ` +
  'affiliate. Deactivate that promotion code in the Stripe dashboard, or give the affiliate another code.';

const manualCodeMissing = (code: string) =>
  `No active promotion code "${code}" exists in Stripe. The affiliate has no discount, so Tally does not create one: add the ` +
  'promotion code in the Stripe dashboard, or give the affiliate a discount.';

/**
 * The plan for one affiliate in one mode, from the promotion codes observed on the account (those
 * with the affiliate's code, those Tally made for it, and the one it recorded).
 *
 * - Tally owns the promotion codes it made for this affiliate (named in their metadata). Those
 *   other than the desired code are deactivated: a changed code, an archived affiliate. Codes the
 *   merchant made by hand are never deactivated, even one adopted for the affiliate.
 * - A Tally code of another affiliate of the same merchant that still holds this code is retired:
 *   codes are unique per merchant, so this affiliate's claim on the code is the newer truth.
 * - Any other active holder of the code is the merchant's own: a conflict, never overwritten — or,
 *   for an affiliate without a discount, the code to adopt.
 * - A changed discount needs another coupon (Stripe coupons cannot change terms); an earlier
 *   coupon or promotion code of the affiliate with the right terms is reused before creating one.
 */
export const planCouponSync = (desired: DesiredCoupon, known: KnownObjects, observed: readonly PromotionCodeView[]): SyncPlan => {
  const mine = (promo: PromotionCodeView) => promo.affiliateId === desired.affiliateId;
  const keepsKnown = { stripeCouponId: known.stripeCouponId, stripePromotionCodeId: known.stripePromotionCodeId };
  const code = desired.active ? desired.code : null;
  const stale = observed.filter((promo) => promo.active && mine(promo) && !(code && sameCode(promo.code, code))).map(deactivate);

  if (!desired.code) return { actions: stale, status: 'not_applicable', ...keepsKnown };
  if (!code) return { actions: stale, status: 'synced', ...keepsKnown };

  const holder = observed.find((promo) => promo.active && sameCode(promo.code, code));
  const sibling = holder !== undefined && !mine(holder) && holder.affiliateId !== null && holder.merchantId === desired.merchantId;
  if (holder && !mine(holder) && !sibling) {
    return desired.discount
      ? { actions: stale, status: 'conflict', error: conflictMessage(code, holder), ...keepsKnown }
      : { actions: stale, status: 'synced', stripeCouponId: holder.couponId ?? undefined, stripePromotionCodeId: holder.id };
  }

  const current = holder && mine(holder) ? holder : undefined;
  const replaced = holder && (sibling || desired.discount) ? [deactivate(holder)] : [];
  if (!desired.discount) {
    // The merchant manages this code by hand now; a code Tally made for it earlier stays as it is.
    if (current) return { actions: stale, status: 'synced', stripeCouponId: current.couponId ?? undefined, stripePromotionCodeId: current.id };
    return { actions: [...replaced, ...stale], status: 'failed', error: manualCodeMissing(code), ...keepsKnown };
  }
  const discount = desired.discount;
  const gives = (promo: PromotionCodeView) => promo.coupon !== null && couponGives(promo.coupon, discount);

  if (current && gives(current))
    return { actions: stale, status: 'synced', stripeCouponId: current.couponId ?? undefined, stripePromotionCodeId: current.id };

  const dormant = observed.find((promo) => !promo.active && mine(promo) && sameCode(promo.code, code) && gives(promo));
  if (dormant)
    return {
      actions: [...replaced, { type: 'activate_promotion_code', promotionCodeId: dormant.id, couponId: dormant.couponId }, ...stale],
      status: 'synced',
      stripeCouponId: dormant.couponId ?? undefined,
      stripePromotionCodeId: dormant.id,
    };

  const coupon = observed.find((promo) => mine(promo) && gives(promo))?.coupon;
  return {
    actions: [
      ...(coupon ? [] : [{ type: 'create_coupon', discount, code } as const]),
      ...replaced,
      { type: 'create_promotion_code', code, couponId: coupon?.id ?? null },
      ...stale,
    ],
    status: 'synced',
    stripeCouponId: coupon?.id,
  };
};

/**
 * The same observation, knowing a coupon is gone. Stripe may still show a deleted coupon inside a
 * promotion code (expanded as it was), and only refuses it when the code is used again.
 */
export const withoutCoupon = (observed: readonly PromotionCodeView[], couponId: string): PromotionCodeView[] =>
  observed.map((promo) => (promo.couponId === couponId ? { ...promo, coupon: null } : promo));

/** The objects a plan's actions created or brought back, to record beside its status. */
export interface AppliedObjects {
  stripeCouponId?: string;
  stripePromotionCodeId?: string;
}

/** What to store on the affiliate once the plan ran on the account. */
export const syncRecord = (plan: SyncPlan, applied: AppliedObjects, at: string, accountId: string | undefined): CouponSync => ({
  status: plan.status,
  stripeAccountId: accountId,
  stripeCouponId: applied.stripeCouponId ?? plan.stripeCouponId,
  stripePromotionCodeId: applied.stripePromotionCodeId ?? plan.stripePromotionCodeId,
  lastSyncedAt: at,
  error: plan.error,
});

/** A plan without actions whose outcome the affiliate already shows for the account: there is nothing to store. */
export const alreadyRecorded = (recorded: CouponSync | undefined, plan: SyncPlan, accountId: string | undefined): boolean =>
  plan.actions.length === 0 &&
  recorded !== undefined &&
  recorded.stripeAccountId === accountId &&
  recorded.status === plan.status &&
  recorded.stripeCouponId === plan.stripeCouponId &&
  recorded.stripePromotionCodeId === plan.stripePromotionCodeId &&
  (recorded.error ?? undefined) === plan.error;

/** How a job counts an affiliate's sync. */
export type SyncOutcome = 'synced' | 'unchanged' | 'failed' | 'conflict' | 'notApplicable';

export const outcomeOf = (plan: SyncPlan): SyncOutcome => {
  if (plan.status === 'synced') return plan.actions.length > 0 ? 'synced' : 'unchanged';
  if (plan.status === 'not_applicable') return 'notApplicable';
  return plan.status;
};
