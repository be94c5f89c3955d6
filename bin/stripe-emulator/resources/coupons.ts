import type Stripe from 'stripe';
import { invalidParam, resourceMissing, stripeError } from '../errors';
import { previousAttributes } from '../events';
import { applyMetadata, inRange, type Params } from '../form';
import { newShortCode } from '../ids';
import { listObjects, readListParams } from '../list';
import { defineRoute, type RouteContext } from '../route';
import type { EmulatorState } from '../state';
import type { Scope } from '../store';

const DURATIONS = ['forever', 'once', 'repeating'] as const;

interface CouponInput {
  id: string | undefined;
  percentOff: number | null;
  amountOff: number | null;
  currency: string | null;
  duration: (typeof DURATIONS)[number];
  durationInMonths: number | null;
  name: string | null;
  metadata: Record<string, string>;
  maxRedemptions: number | null;
  redeemBy: number | null;
  products: string[] | undefined;
}

function parseCreate(params: Params): CouponInput {
  const percentOff = params.decimal('percent_off') ?? null;
  const amountOff = params.integer('amount_off', { min: 1 }) ?? null;
  const currency = params.string('currency')?.toLowerCase() ?? null;
  if (percentOff !== null && amountOff !== null) {
    throw invalidParam('You may only specify one of these parameters: amount_off, percent_off.', 'amount_off', 'parameters_exclusive');
  }
  if (percentOff === null && amountOff === null) {
    throw invalidParam('You must pass either percent_off or amount_off.', 'percent_off');
  }
  if (percentOff !== null && (percentOff <= 0 || percentOff > 100)) {
    throw invalidParam('Invalid percent_off: must be greater than 0 and less than or equal to 100.', 'percent_off');
  }
  if (amountOff !== null && currency === null) throw invalidParam('You must pass currency when passing amount_off', 'currency');
  if (currency !== null && !/^[a-z]{3}$/.test(currency)) throw invalidParam(`Invalid currency: ${currency}.`, 'currency');
  const duration = params.enumeration('duration', DURATIONS) ?? 'once';
  const durationInMonths = params.integer('duration_in_months', { min: 1 }) ?? null;
  if (duration === 'repeating' && durationInMonths === null) {
    throw invalidParam('You must pass duration_in_months when passing duration=repeating', 'duration_in_months');
  }
  if (duration !== 'repeating' && durationInMonths !== null) {
    throw invalidParam('You may only pass duration_in_months when duration is repeating', 'duration_in_months');
  }
  const appliesTo = params.object('applies_to');
  return {
    id: params.string('id', { maxLength: 200 }),
    percentOff,
    amountOff,
    // Stripe reports a currency only for amount-off coupons.
    currency: amountOff === null ? null : currency,
    duration,
    durationInMonths,
    name: params.string('name', { maxLength: 40 }) ?? null,
    metadata: applyMetadata({}, params.metadata()),
    maxRedemptions: params.integer('max_redemptions', { min: 1 }) ?? null,
    redeemBy: params.futureTimestamp('redeem_by') ?? null,
    products: appliesTo?.stringArray('products'),
  };
}

/** `valid` follows `redeem_by` and the redemptions left, as of now. */
function current(coupon: Stripe.Coupon, now: number): Stripe.Coupon {
  const expired = coupon.redeem_by !== null && coupon.redeem_by <= now;
  const exhausted = coupon.max_redemptions !== null && coupon.times_redeemed >= coupon.max_redemptions;
  const valid = !expired && !exhausted;
  return valid === coupon.valid ? coupon : { ...coupon, valid };
}

export function createCoupon(state: EmulatorState, scope: Scope, input: CouponInput, emit: RouteContext['emit']): Stripe.Coupon {
  const coupons = state.store.collection(scope, 'coupon');
  const id = input.id ?? newShortCode();
  if (coupons.get(id)) {
    throw stripeError(400, { type: 'invalid_request_error', code: 'resource_already_exists', message: 'Coupon already exists.', param: 'id' });
  }
  const coupon: Stripe.Coupon = {
    id,
    object: 'coupon',
    amount_off: input.amountOff,
    ...(input.products ? { applies_to: { products: input.products } } : {}),
    created: state.now(),
    currency: input.currency,
    duration: input.duration,
    duration_in_months: input.durationInMonths,
    livemode: scope.mode === 'live',
    max_redemptions: input.maxRedemptions,
    metadata: input.metadata,
    name: input.name,
    percent_off: input.percentOff,
    redeem_by: input.redeemBy,
    times_redeemed: 0,
    valid: true,
  };
  coupons.insert(coupon);
  emit('coupon.created', coupon);
  return coupon;
}

function findCoupon(state: EmulatorState, scope: Scope, id: string): Stripe.Coupon {
  const coupon = state.store.collection(scope, 'coupon').get(id);
  if (!coupon) throw resourceMissing('coupon', id);
  return current(coupon, state.now());
}

/**
 * Deletes a coupon. Its promotion codes cannot be redeemed any more: Stripe shows a promotion code as
 * active only while its coupon is valid, so they turn inactive (without events of their own).
 */
export function deleteCoupon(state: EmulatorState, scope: Scope, id: string, emit: RouteContext['emit']): Stripe.DeletedCoupon {
  const coupon = findCoupon(state, scope, id);
  state.store.collection(scope, 'coupon').remove(id);
  const promotionCodes = state.store.collection(scope, 'promotion_code');
  for (const promo of promotionCodes.lookup('coupon', id)) {
    if (promo.active) promotionCodes.replace({ ...promo, active: false });
  }
  emit('coupon.deleted', coupon);
  return { id, object: 'coupon', deleted: true };
}

export const couponRoutes = [
  defineRoute({
    method: 'POST',
    path: '/v1/coupons',
    accepts: ['id', 'percent_off', 'amount_off', 'currency', 'duration', 'duration_in_months', 'name', 'metadata', 'max_redemptions', 'redeem_by', 'applies_to'],
    returns: { type: 'coupon' },
    parse: parseCreate,
    run: (input, ctx) => createCoupon(ctx.state, ctx.scope, input, ctx.emit),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/coupons/:id',
    accepts: [],
    returns: { type: 'coupon' },
    parse: () => undefined,
    run: (_input, ctx) => findCoupon(ctx.state, ctx.scope, ctx.path.id as string),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/coupons/:id',
    // Amounts and durations are fixed at creation: a different discount needs a new coupon.
    accepts: ['name', 'metadata'],
    returns: { type: 'coupon' },
    parse: (params) => ({ name: params.string('name', { maxLength: 40, allowEmpty: true }), metadata: params.metadata() }),
    run: (input, ctx) => {
      const before = findCoupon(ctx.state, ctx.scope, ctx.path.id as string);
      const after: Stripe.Coupon = {
        ...before,
        ...(input.name !== undefined ? { name: input.name || null } : {}),
        metadata: applyMetadata(before.metadata ?? {}, input.metadata),
      };
      const changes = previousAttributes(before, after);
      if (Object.keys(changes).length === 0) return before;
      ctx.state.store.collection(ctx.scope, 'coupon').replace(after);
      ctx.emit('coupon.updated', after, changes);
      return after;
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/coupons/:id',
    accepts: [],
    parse: () => undefined,
    run: (_input, ctx) => deleteCoupon(ctx.state, ctx.scope, ctx.path.id as string, ctx.emit),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/coupons',
    accepts: ['limit', 'starting_after', 'ending_before', 'created'],
    returns: { type: 'coupon', list: true },
    parse: (params) => ({ list: readListParams(params), created: params.range('created') }),
    run: (input, ctx) => {
      const now = ctx.state.now();
      const page = listObjects('coupon', ctx.state.store.collection(ctx.scope, 'coupon'), input.list, ctx.url, {
        filter: (coupon) => inRange(coupon.created, input.created),
      });
      return { ...page, data: page.data.map((coupon) => current(coupon, now)) };
    },
  }),
];
