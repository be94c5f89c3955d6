import type Stripe from 'stripe';
import type { Interval } from '../calendar';
import { invalidParam, invalidRequest, parameterMissing } from '../errors';
import { applyMetadata, inRange, type Params } from '../form';
import { newId } from '../ids';
import { listObjects, readListParams } from '../list';
import { wireDecimal } from '../money';
import { defineRoute, type Emit } from '../route';
import type { EmulatorState } from '../state';
import type { Scope } from '../store';
import { createProduct, usableProduct } from './products';

const INTERVALS = ['day', 'week', 'month', 'year'] as const;

export interface Recurrence {
  interval: Interval;
  intervalCount: number;
}

export interface PriceInput {
  /** An existing product, or the name of one to create (`product_data`). */
  product: { id: string } | { name: string };
  currency: string;
  unitAmount: number;
  recurring: Recurrence | null;
  active: boolean;
  nickname: string | null;
  metadata: Record<string, string>;
}

export function readCurrency(params: Params, key = 'currency'): string {
  const currency = (params.string(key, { required: true }) as string).toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) throw invalidParam(`Invalid currency: ${currency}.`, params.name(key));
  return currency;
}

export function readRecurring(params: Params | undefined): Recurrence | null {
  if (!params) return null;
  const interval = params.enumeration('interval', INTERVALS, { required: true }) as Interval;
  const intervalCount = params.integer('interval_count', { min: 1 }) ?? 1;
  // Stripe allows at most one year between invoices.
  if (intervalCount > { day: 365, week: 52, month: 12, year: 1 }[interval]) throw invalidParam('The maximum billing interval is one year (1 year, 12 months, or 52 weeks).', 'recurring[interval_count]');
  return { interval, intervalCount };
}

/** `price_data` of a Checkout Session or an invoice line: the price fields around a product id or `product_data`. */
export function readPriceData(params: Params): Omit<PriceInput, 'active' | 'nickname' | 'metadata'> {
  const productId = params.string('product');
  const productData = params.object('product_data');
  const name = productData?.string('name', { required: true, maxLength: 250 });
  if (productId === undefined && name === undefined) throw parameterMissing(params.name('product'));
  const unitAmount = params.integer('unit_amount', { min: 0 });
  if (unitAmount === undefined) throw parameterMissing(params.name('unit_amount'));
  return {
    product: productId !== undefined ? { id: productId } : { name: name as string },
    currency: readCurrency(params),
    unitAmount,
    recurring: readRecurring(params.object('recurring')),
  };
}

function parseCreate(params: Params): PriceInput {
  const product = params.string('product');
  const productData = params.object('product_data');
  const name = productData?.string('name', { required: true, maxLength: 250 });
  if (product !== undefined && productData) throw invalidParam('You may only specify one of these parameters: product, product_data.', 'product');
  if (product === undefined && name === undefined) throw invalidParam('You must specify either `product` or `product_data` when creating a price.', 'product');
  const unitAmount = params.integer('unit_amount', { min: 0 });
  if (unitAmount === undefined) throw parameterMissing('unit_amount');
  return {
    product: product !== undefined ? { id: product } : { name: name as string },
    currency: readCurrency(params),
    unitAmount,
    recurring: readRecurring(params.object('recurring')),
    active: params.boolean('active') ?? true,
    nickname: params.string('nickname', { maxLength: 5_000 }) ?? null,
    metadata: applyMetadata({}, params.metadata()),
  };
}

export function createPrice(state: EmulatorState, scope: Scope, input: PriceInput, emit: Emit): Stripe.Price {
  const productId =
    'id' in input.product
      ? usableProduct(state, scope, input.product.id, 'product').id
      : createProduct(state, scope, { name: input.product.name, description: null, active: true, metadata: {} }, emit).id;
  const price: Stripe.Price = {
    id: newId('price'),
    object: 'price',
    active: input.active,
    billing_scheme: 'per_unit',
    created: state.now(),
    currency: input.currency,
    custom_unit_amount: null,
    livemode: scope.mode === 'live',
    lookup_key: null,
    metadata: input.metadata,
    nickname: input.nickname,
    product: productId,
    recurring: input.recurring && {
      interval: input.recurring.interval,
      interval_count: input.recurring.intervalCount,
      meter: null,
      trial_period_days: null,
      usage_type: 'licensed',
    },
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: input.recurring ? 'recurring' : 'one_time',
    unit_amount: input.unitAmount,
    unit_amount_decimal: wireDecimal(input.unitAmount),
  };
  state.store.collection(scope, 'price').insert(price);
  emit('price.created', price);
  return price;
}

export function findPrice(state: EmulatorState, scope: Scope, id: string, param = 'id', status = 404): Stripe.Price {
  return state.store.retrieve(scope, 'price', id, param, status);
}

/** A price a purchase may use: it must exist and be active. */
export function purchasablePrice(state: EmulatorState, scope: Scope, id: string, param: string): Stripe.Price {
  const price = findPrice(state, scope, id, param, 400);
  if (!price.active) throw invalidRequest(`The price specified is inactive. This field only accepts active prices.`, { param });
  return price;
}

/** The legacy Plan view of a recurring price, which subscription items still carry. */
export function planOf(price: Stripe.Price): Stripe.Plan {
  const recurring = price.recurring as Stripe.Price.Recurring;
  return {
    id: price.id,
    object: 'plan',
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: 'per_unit',
    created: price.created,
    currency: price.currency,
    interval: recurring.interval,
    interval_count: recurring.interval_count,
    livemode: price.livemode,
    metadata: price.metadata,
    meter: null,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: 'licensed',
  };
}

export const priceRoutes = [
  defineRoute({
    method: 'POST',
    path: '/v1/prices',
    accepts: ['product', 'product_data', 'currency', 'unit_amount', 'recurring', 'active', 'nickname', 'metadata'],
    returns: { type: 'price' },
    parse: parseCreate,
    run: (input, ctx) => createPrice(ctx.state, ctx.scope, input, ctx.emit),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/prices/:id',
    accepts: [],
    returns: { type: 'price' },
    parse: () => undefined,
    run: (_input, ctx) => findPrice(ctx.state, ctx.scope, ctx.path.id as string),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/prices',
    accepts: ['limit', 'starting_after', 'ending_before', 'created', 'active', 'product', 'currency', 'type'],
    returns: { type: 'price', list: true },
    parse: (params) => ({
      list: readListParams(params),
      created: params.range('created'),
      active: params.boolean('active'),
      product: params.string('product'),
      currency: params.string('currency')?.toLowerCase(),
      type: params.enumeration('type', ['one_time', 'recurring'] as const),
    }),
    run: (input, ctx) =>
      listObjects('price', ctx.state.store.collection(ctx.scope, 'price'), input.list, ctx.url, {
        ...(input.product !== undefined ? { index: { name: 'product', value: input.product } } : {}),
        filter: (price) =>
          inRange(price.created, input.created) &&
          (input.active === undefined || price.active === input.active) &&
          (input.currency === undefined || price.currency === input.currency) &&
          (input.type === undefined || price.type === input.type),
      }),
  }),
];
