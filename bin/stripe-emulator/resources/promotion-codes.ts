import type Stripe from 'stripe';
import { invalidParam, invalidRequest, parameterMissing, resourceMissing } from '../errors';
import { previousAttributes } from '../events';
import { applyMetadata, inRange, type MetadataUpdate, type Params } from '../form';
import { newId, newShortCode } from '../ids';
import { listObjects, readListParams } from '../list';
import { defineRoute, type RouteContext } from '../route';
import type { EmulatorState } from '../state';
import type { Scope } from '../store';

/** The pattern Stripe enforces (wider than its docs, which leave out `_`). */
const CODE_PATTERN = /^[a-zA-Z0-9\-_]+$/;

type Restrictions = Stripe.PromotionCode.Restrictions;
type CurrencyOptions = NonNullable<Restrictions['currency_options']>;

interface PromotionCodeInput {
  couponId: string;
  code: string | undefined;
  active: boolean;
  customer: string | null;
  customerAccount: string | null;
  expiresAt: number | null;
  maxRedemptions: number | null;
  metadata: Record<string, string>;
  restrictions: Restrictions;
}

function readCurrencyOptions(params: Params | undefined): CurrencyOptions | undefined {
  if (!params) return undefined;
  const options: CurrencyOptions = {};
  for (const currency of params.keys()) {
    const minimum = params.object(currency)?.integer('minimum_amount', { min: 0 });
    if (minimum !== undefined) options[currency.toLowerCase()] = { minimum_amount: minimum };
  }
  return options;
}

function readRestrictions(params: Params | undefined): Restrictions {
  const minimumAmount = params?.integer('minimum_amount', { min: 0 }) ?? null;
  const currency = params?.string('minimum_amount_currency')?.toLowerCase() ?? null;
  if (minimumAmount !== null && currency === null) {
    throw invalidParam('You must pass minimum_amount_currency when passing minimum_amount', 'restrictions[minimum_amount_currency]');
  }
  const currencyOptions = readCurrencyOptions(params?.object('currency_options'));
  return {
    ...(currencyOptions ? { currency_options: currencyOptions } : {}),
    first_time_transaction: params?.boolean('first_time_transaction') ?? false,
    minimum_amount: minimumAmount,
    minimum_amount_currency: minimumAmount === null ? null : currency,
  };
}

function parseCreate(params: Params, ctx: RouteContext): PromotionCodeInput {
  const promotion = params.object('promotion');
  if (!promotion) throw parameterMissing('promotion');
  promotion.enumeration('type', ['coupon'] as const, { required: true });
  const couponId = promotion.string('coupon');
  if (couponId === undefined) throw invalidParam('You must pass promotion.coupon when passing promotion', 'promotion.coupon');
  const coupon = ctx.state.store.collection(ctx.scope, 'coupon').get(couponId);
  if (!coupon) throw resourceMissing('coupon', couponId, 'promotion[coupon]', 400);
  const code = params.string('code', { maxLength: 500 });
  if (code !== undefined && !CODE_PATTERN.test(code)) {
    throw invalidParam(`This value must match the regex pattern. (/\\A[a-zA-Z0-9\\-_]+\\z/ does not match for the value ${code}).`, 'code');
  }
  const customer = params.string('customer') ?? null;
  if (customer !== null && !ctx.state.store.find(ctx.scope, 'customer', customer)) {
    throw resourceMissing('customer', customer, 'customer', 400);
  }
  const expiresAt = params.futureTimestamp('expires_at') ?? null;
  if (expiresAt !== null && coupon.redeem_by !== null && expiresAt > coupon.redeem_by) {
    throw invalidParam("The promotion code's `expires_at` cannot be after the coupon's `redeem_by`.", 'expires_at');
  }
  const maxRedemptions = params.integer('max_redemptions', { min: 1 }) ?? null;
  if (maxRedemptions !== null && coupon.max_redemptions !== null && maxRedemptions > coupon.max_redemptions) {
    throw invalidParam("The promotion code's `max_redemptions` cannot be greater than the coupon's `max_redemptions`.", 'max_redemptions');
  }
  return {
    couponId,
    code,
    active: params.boolean('active') ?? true,
    customer,
    customerAccount: params.string('customer_account') ?? null,
    expiresAt,
    maxRedemptions,
    metadata: applyMetadata({}, params.metadata()),
    restrictions: readRestrictions(params.object('restrictions')),
  };
}

/**
 * Active codes are unique per account regardless of case; codes restricted to different customers may
 * share a code, but not with a code any customer can redeem.
 */
function assertCodeFree(state: EmulatorState, scope: Scope, code: string, customer: string | null, except?: string): void {
  const clash = state.store
    .collection(scope, 'promotion_code')
    .lookup('code', code.toLowerCase())
    .some((other) => other.id !== except && other.active && (other.customer === null || customer === null || other.customer === customer));
  if (clash) throw invalidRequest(`An active promotion code with \`code: ${code}\` already exists.`);
}

export function createPromotionCode(state: EmulatorState, scope: Scope, input: PromotionCodeInput, emit: RouteContext['emit']): Stripe.PromotionCode {
  const code = input.code ?? newShortCode();
  if (input.active) assertCodeFree(state, scope, code, input.customer);
  const promo: Stripe.PromotionCode = {
    id: newId('promo'),
    object: 'promotion_code',
    active: input.active,
    code,
    created: state.now(),
    customer: input.customer,
    customer_account: input.customerAccount,
    expires_at: input.expiresAt,
    livemode: scope.mode === 'live',
    max_redemptions: input.maxRedemptions,
    metadata: input.metadata,
    promotion: { coupon: input.couponId, type: 'coupon' },
    restrictions: input.restrictions,
    times_redeemed: 0,
  };
  state.store.collection(scope, 'promotion_code').insert(promo);
  emit('promotion_code.created', promo);
  return promo;
}

function findPromotionCode(state: EmulatorState, scope: Scope, id: string): Stripe.PromotionCode {
  const promo = state.store.collection(scope, 'promotion_code').get(id);
  if (!promo) throw resourceMissing('promotion code', id, 'promotion_code');
  return promo;
}

export interface PromotionCodeUpdate {
  active?: boolean;
  metadata?: MetadataUpdate;
  currencyOptions?: CurrencyOptions;
}

export function updatePromotionCode(
  state: EmulatorState,
  scope: Scope,
  id: string,
  update: PromotionCodeUpdate,
  emit: RouteContext['emit'],
): Stripe.PromotionCode {
  const before = findPromotionCode(state, scope, id);
  if (update.active === true && !before.active) {
    const couponId = typeof before.promotion.coupon === 'string' ? before.promotion.coupon : before.promotion.coupon?.id;
    if (!couponId || !state.store.collection(scope, 'coupon').get(couponId)) {
      throw invalidRequest('This promotion code cannot be reactivated because its coupon is no longer valid.', { param: 'active' });
    }
    assertCodeFree(state, scope, before.code, typeof before.customer === 'string' ? before.customer : null, before.id);
  }
  const after: Stripe.PromotionCode = {
    ...before,
    active: update.active ?? before.active,
    metadata: applyMetadata(before.metadata ?? {}, update.metadata),
    restrictions: update.currencyOptions
      ? { ...before.restrictions, currency_options: { ...before.restrictions.currency_options, ...update.currencyOptions } }
      : before.restrictions,
  };
  const changes = previousAttributes(before, after);
  if (Object.keys(changes).length === 0) return before;
  state.store.collection(scope, 'promotion_code').replace(after);
  emit('promotion_code.updated', after, changes);
  return after;
}

interface ListInput {
  list: ReturnType<typeof readListParams>;
  active: boolean | undefined;
  code: string | undefined;
  coupon: string | undefined;
  customer: string | undefined;
  customerAccount: string | undefined;
  created: ReturnType<Params['range']>;
}

function listPromotionCodes(input: ListInput, ctx: RouteContext): Stripe.ApiList<Stripe.PromotionCode> {
  const { state, scope } = ctx;
  if (input.coupon !== undefined && !state.store.collection(scope, 'coupon').getIncludingRemoved(input.coupon)) {
    throw resourceMissing('coupon', input.coupon, 'coupon', 400);
  }
  // The most selective index narrows the candidates; the other filters check each of them.
  const index =
    input.code !== undefined
      ? { name: 'code', value: input.code.toLowerCase() }
      : input.coupon !== undefined
        ? { name: 'coupon', value: input.coupon }
        : input.customer !== undefined
          ? { name: 'customer', value: input.customer }
          : undefined;
  return listObjects('promotion_code', state.store.collection(scope, 'promotion_code'), input.list, ctx.url, {
    ...(index ? { index } : {}),
    filter: (promo) =>
      (input.active === undefined || promo.active === input.active) &&
      (input.coupon === undefined || promo.promotion.coupon === input.coupon) &&
      (input.customer === undefined || promo.customer === input.customer) &&
      (input.customerAccount === undefined || promo.customer_account === input.customerAccount) &&
      inRange(promo.created, input.created),
  });
}

export const promotionCodeRoutes = [
  defineRoute({
    method: 'POST',
    path: '/v1/promotion_codes',
    accepts: ['promotion', 'active', 'code', 'customer', 'customer_account', 'expires_at', 'max_redemptions', 'metadata', 'restrictions'],
    returns: { type: 'promotion_code' },
    parse: parseCreate,
    run: (input, ctx) => createPromotionCode(ctx.state, ctx.scope, input, ctx.emit),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/promotion_codes/:id',
    accepts: [],
    returns: { type: 'promotion_code' },
    parse: () => undefined,
    run: (_input, ctx) => findPromotionCode(ctx.state, ctx.scope, ctx.path.id as string),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/promotion_codes/:id',
    accepts: ['active', 'metadata', 'restrictions'],
    returns: { type: 'promotion_code' },
    parse: (params): PromotionCodeUpdate => {
      const active = params.boolean('active');
      const metadata = params.metadata();
      const currencyOptions = readCurrencyOptions(params.object('restrictions')?.object('currency_options'));
      return { ...(active !== undefined ? { active } : {}), ...(metadata ? { metadata } : {}), ...(currencyOptions ? { currencyOptions } : {}) };
    },
    run: (update, ctx) => updatePromotionCode(ctx.state, ctx.scope, ctx.path.id as string, update, ctx.emit),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/promotion_codes',
    accepts: ['limit', 'starting_after', 'ending_before', 'active', 'code', 'coupon', 'customer', 'customer_account', 'created'],
    returns: { type: 'promotion_code', list: true },
    parse: (params): ListInput => ({
      list: readListParams(params),
      active: params.boolean('active'),
      code: params.string('code'),
      coupon: params.string('coupon'),
      customer: params.string('customer'),
      customerAccount: params.string('customer_account'),
      created: params.range('created'),
    }),
    run: listPromotionCodes,
  }),
];
