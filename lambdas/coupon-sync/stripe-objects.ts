import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Stripe from 'stripe';
import type { Discount } from '../affiliates/schema';
import { stripeFor } from '../stripe/client';
import type { AccountScope } from './accounts';
import { waitForTurn } from '../stripe/pace';
import { type AppliedObjects, type CouponView, type PromotionCodeView, sameCode, type SyncAction, type SyncPlan } from './plan';
import { tallyMetadata } from './metadata';

/**
 * The coupon sync's adapter to a merchant's Stripe account: reads promotion codes (with their
 * coupons) and applies a plan's actions. Every call keeps to the account's shared pace; every
 * write carries an idempotency key derived from what it intends, so a retry replays it.
 */

/** Stripe could not take the call now (429, 5xx, no answer): retry later, nothing is wrong with the affiliate. */
export class StripeUnavailable extends Error {}

/** Stripe refused a request as invalid: the affiliate's sync fails, with Stripe's reason for the merchant. */
export class StripeRejected extends Error {
  constructor(
    message: string,
    /** Stripe's error code, e.g. `resource_missing`. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The account changed since it was read (the code got taken by another promotion code): read it again. */
export class StaleObservation extends Error {}

/** A coupon the plan relied on is deleted: plan again without it. */
export class CouponGone extends Error {
  constructor(readonly couponId: string) {
    super(`Coupon ${couponId} no longer exists`);
  }
}

const attemptsPerCall = 3;
const expandCoupon = { list: ['data.promotion.coupon'], one: ['promotion.coupon'] };

/**
 * Failures worth another try: rate limiting, Stripe's own errors, lost connections, and a 409 for a
 * request with the same idempotency key still running elsewhere.
 */
const isTransient = (error: unknown): boolean => {
  if (error instanceof Stripe.errors.StripeConnectionError) return true;
  if (!(error instanceof Stripe.errors.StripeError)) return false;
  const status = error.statusCode ?? 0;
  return status === 429 || status === 409 || status >= 500;
};

const isMissing = (error: Stripe.errors.StripeInvalidRequestError) => error.code === 'resource_missing';

/** Stripe's answer when an active promotion code already has the code (it gives no `code` or `param`). */
const codeTakenMessage = /active promotion code with `code: .*` already exists/i;
/** Its answers when a promotion code is created on, or brought back to, a deleted coupon. */
const couponGone = (error: Stripe.errors.StripeInvalidRequestError) =>
  (isMissing(error) && error.param?.includes('coupon')) || /coupon is no longer valid/i.test(error.message);

const asSyncError = (error: unknown, couponId?: string | null): unknown => {
  if (error instanceof Stripe.errors.StripeInvalidRequestError) {
    if (codeTakenMessage.test(error.message)) return new StaleObservation(error.message);
    if (couponId && couponGone(error)) return new CouponGone(couponId);
    return new StripeRejected(error.message, error.code);
  }
  if (error instanceof Stripe.errors.StripePermissionError || error instanceof Stripe.errors.StripeAuthenticationError)
    return new StripeRejected(`Stripe refused access to the account: ${error.message}`);
  return error;
};

/** Stripe counts a rate limit over one second; other faults clear faster. */
const retryDelayMs = (error: unknown, attempt: number): number =>
  (error instanceof Stripe.errors.StripeRateLimitError ? 1000 : 100 * 2 ** attempt) + Math.random() * 100;

const describe = (error: unknown) =>
  error instanceof Stripe.errors.StripeError ? `Stripe answered ${error.statusCode ?? 'nothing'}: ${error.message}` : String(error);

/**
 * One call on the account, in turn with every other worker's. The SDK's own retries are off here:
 * they would bypass the pace. A transient failure is tried again a few times; if it persists the
 * caller learns that Stripe is unavailable, so the message can wait in the queue instead.
 */
const call = async <T>(
  scope: AccountScope,
  request: (options: Stripe.RequestOptions) => Promise<T>,
  write?: { idempotencyKey: string; couponId?: string | null },
): Promise<T> => {
  const idempotencyKey = write?.idempotencyKey;
  const options: Stripe.RequestOptions = { stripeAccount: scope.accountId, maxNetworkRetries: 0, ...(idempotencyKey ? { idempotencyKey } : {}) };
  for (let attempt = 1; ; attempt++) {
    await waitForTurn(scope.mode, scope.accountId);
    try {
      return await request(options);
    } catch (error) {
      if (!isTransient(error)) throw asSyncError(error, write?.couponId);
      if (attempt >= attemptsPerCall) throw new StripeUnavailable(describe(error));
      await sleep(retryDelayMs(error, attempt));
    }
  }
};

const couponView = (coupon: string | Stripe.Coupon | null): CouponView | null =>
  coupon === null || typeof coupon === 'string'
    ? null
    : {
        id: coupon.id,
        valid: coupon.valid,
        percentOff: coupon.percent_off,
        amountOff: coupon.amount_off,
        currency: coupon.currency,
        duration: coupon.duration,
        durationInMonths: coupon.duration_in_months,
      };

export const promotionCodeView = (promo: Stripe.PromotionCode): PromotionCodeView => {
  const coupon = promo.promotion.coupon;
  return {
    id: promo.id,
    code: promo.code,
    active: promo.active,
    couponId: coupon === null ? null : typeof coupon === 'string' ? coupon : coupon.id,
    coupon: couponView(coupon),
    affiliateId: promo.metadata?.[tallyMetadata.affiliateId] ?? null,
    merchantId: promo.metadata?.[tallyMetadata.merchantId] ?? null,
  };
};

/** Every active promotion code on the account, 100 a page: what a bulk resync compares against. */
export const listActivePromotionCodes = async (scope: AccountScope): Promise<PromotionCodeView[]> => {
  const stripe = await stripeFor(scope.mode);
  const views: PromotionCodeView[] = [];
  let startingAfter: string | undefined;
  for (;;) {
    const page = await call(scope, (options) =>
      stripe.promotionCodes.list({ active: true, limit: 100, starting_after: startingAfter, expand: expandCoupon.list }, options),
    );
    views.push(...page.data.map(promotionCodeView));
    if (!page.has_more || page.data.length === 0) return views;
    startingAfter = page.data[page.data.length - 1]?.id;
  }
};

/** Where an affiliate's promotion codes may be: the codes to list, and promotion codes known by ID. */
export interface AffiliateObjects {
  codes: readonly (string | null)[];
  promotionCodeIds: readonly (string | undefined)[];
}

/**
 * What the account holds for one affiliate: every promotion code with one of the codes (active or
 * not; the code filter ignores case), and each promotion code known by ID that has another code.
 */
export const observeAffiliate = async (scope: AccountScope, where: AffiliateObjects): Promise<PromotionCodeView[]> => {
  const stripe = await stripeFor(scope.mode);
  const views: PromotionCodeView[] = [];
  const codes = where.codes.filter((code): code is string => code !== null);
  for (const code of codes.filter((code, index) => codes.findIndex((other) => sameCode(other, code)) === index)) {
    const page = await call(scope, (options) => stripe.promotionCodes.list({ code, limit: 100, expand: expandCoupon.list }, options));
    views.push(...page.data.filter((promo) => !views.some((view) => view.id === promo.id)).map(promotionCodeView));
  }
  for (const id of new Set(where.promotionCodeIds)) {
    if (!id || views.some((view) => view.id === id)) continue;
    try {
      const promo = await call(scope, (options) => stripe.promotionCodes.retrieve(id, { expand: expandCoupon.one }, options));
      views.push(promotionCodeView(promo));
    } catch (error) {
      if (!(error instanceof StripeRejected && error.code === 'resource_missing')) throw error;
    }
  }
  return views;
};

/** Whose sync a write belongs to, and which recorded sync it continues. */
export interface WriteContext {
  merchantId: string;
  affiliateId: string;
  /** How many outcomes the affiliate has recorded in this mode (see syncGeneration). */
  generation: number;
  /**
   * How often this attempt planned again after Stripe refused a write as stale. A refused write's
   * answer may be kept under its key, so the write planned next needs a key of its own.
   */
  replan?: number;
}

/**
 * The idempotency key of one intended write: the affiliate, the mode, the sync generation it
 * belongs to, and a digest of the account and the exact parameters. A retry of an unrecorded sync
 * gets the same key and Stripe replays the first result; once an outcome is recorded the
 * generation moves on, so a later sync that wants the same change (a code deactivated again in the
 * dashboard) really makes it. Stripe keeps keys 24 hours; ours fit its 255 characters.
 */
export const idempotencyKey = (scope: AccountScope, context: WriteContext, action: SyncAction['type'], params: object): string => {
  const digest = createHash('sha256').update(JSON.stringify([scope.accountId, params])).digest('base64url').slice(0, 22);
  const attempt = context.replan ? `r${context.replan}` : '';
  return `tally-${context.affiliateId}-${scope.mode}-g${context.generation}${attempt}-${action}-${digest}`;
};

export const couponParams = (discount: Discount, code: string, context: WriteContext): Stripe.CouponCreateParams => ({
  ...(discount.percentOff !== undefined ? { percent_off: discount.percentOff } : { amount_off: discount.amountOff, currency: discount.currency }),
  duration: discount.duration,
  ...(discount.durationInMonths !== undefined ? { duration_in_months: discount.durationInMonths } : {}),
  // Stripe shows the name on invoices and receipts; it holds at most 40 characters.
  name: code.slice(0, 40),
  metadata: { [tallyMetadata.affiliateId]: context.affiliateId, [tallyMetadata.merchantId]: context.merchantId },
});

/**
 * Runs a plan's actions in order. A failure part-way leaves the earlier writes in place: the retry
 * replays them by their keys and carries on.
 */
export const applyPlan = async (scope: AccountScope, plan: SyncPlan, context: WriteContext): Promise<AppliedObjects> => {
  const stripe = await stripeFor(scope.mode);
  const applied: AppliedObjects = {};
  const setActive = async (type: SyncAction['type'], promotionCodeId: string, active: boolean, couponId?: string | null) => {
    const params = { active };
    const key = idempotencyKey(scope, context, type, { promotionCodeId, ...params });
    await call(scope, (options) => stripe.promotionCodes.update(promotionCodeId, params, options), { idempotencyKey: key, couponId });
  };
  for (const action of plan.actions) {
    switch (action.type) {
      case 'create_coupon': {
        const params = couponParams(action.discount, action.code, context);
        const coupon = await call(scope, (options) => stripe.coupons.create(params, options), {
          idempotencyKey: idempotencyKey(scope, context, action.type, params),
        });
        applied.stripeCouponId = coupon.id;
        break;
      }
      case 'create_promotion_code': {
        const couponId = action.couponId ?? applied.stripeCouponId;
        if (!couponId) throw new Error('A plan creates a promotion code without a coupon');
        const params: Stripe.PromotionCodeCreateParams = {
          promotion: { type: 'coupon', coupon: couponId },
          code: action.code,
          metadata: { [tallyMetadata.affiliateId]: context.affiliateId, [tallyMetadata.merchantId]: context.merchantId },
        };
        const promo = await call(scope, (options) => stripe.promotionCodes.create(params, options), {
          idempotencyKey: idempotencyKey(scope, context, action.type, params),
          couponId,
        });
        applied.stripePromotionCodeId = promo.id;
        applied.stripeCouponId = couponId;
        break;
      }
      case 'activate_promotion_code':
        await setActive(action.type, action.promotionCodeId, true, action.couponId);
        applied.stripePromotionCodeId = action.promotionCodeId;
        break;
      case 'deactivate_promotion_code':
        await setActive(action.type, action.promotionCodeId, false);
        break;
    }
  }
  return applied;
};
