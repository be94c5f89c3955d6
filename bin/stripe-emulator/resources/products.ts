import type Stripe from 'stripe';
import { invalidRequest, stripeError } from '../errors';
import { applyMetadata, inRange, type Params } from '../form';
import { randomString } from '../ids';
import { listObjects, readListParams } from '../list';
import { defineRoute, type Emit } from '../route';
import type { EmulatorState } from '../state';
import type { Scope } from '../store';

export interface ProductInput {
  id?: string;
  name: string;
  description: string | null;
  active: boolean;
  metadata: Record<string, string>;
}

export function readProduct(params: Params): ProductInput {
  const id = params.string('id', { maxLength: 200 });
  return {
    ...(id !== undefined ? { id } : {}),
    name: params.string('name', { required: true, maxLength: 250 }) as string,
    description: params.string('description', { maxLength: 40_000 }) ?? null,
    active: params.boolean('active') ?? true,
    metadata: applyMetadata({}, params.metadata()),
  };
}

export function createProduct(state: EmulatorState, scope: Scope, input: ProductInput, emit: Emit): Stripe.Product {
  const products = state.store.collection(scope, 'product');
  if (input.id !== undefined && products.getIncludingRemoved(input.id)) {
    throw stripeError(400, { type: 'invalid_request_error', code: 'resource_already_exists', message: 'Product already exists.', param: 'id' });
  }
  const now = state.now();
  const product: Stripe.Product = {
    id: input.id ?? `prod_${randomString(14)}`,
    object: 'product',
    active: input.active,
    created: now,
    default_price: null,
    description: input.description,
    images: [],
    livemode: scope.mode === 'live',
    marketing_features: [],
    metadata: input.metadata,
    name: input.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    tax_details: null,
    type: 'service',
    unit_label: null,
    updated: now,
    url: null,
  };
  products.insert(product);
  emit('product.created', product);
  return product;
}

export function findProduct(state: EmulatorState, scope: Scope, id: string, param = 'id', status = 404): Stripe.Product {
  return state.store.retrieve(scope, 'product', id, param, status);
}

/** A product a new price or purchase may use: it must exist and be active. */
export function usableProduct(state: EmulatorState, scope: Scope, id: string, param: string): Stripe.Product {
  const product = findProduct(state, scope, id, param, 400);
  if (!product.active) throw invalidRequest(`The product \`${id}\` is not active.`, { param, code: 'product_inactive' });
  return product;
}

export const productRoutes = [
  defineRoute({
    method: 'POST',
    path: '/v1/products',
    accepts: ['id', 'name', 'description', 'active', 'metadata'],
    returns: { type: 'product' },
    parse: readProduct,
    run: (input, ctx) => createProduct(ctx.state, ctx.scope, input, ctx.emit),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/products/:id',
    accepts: [],
    returns: { type: 'product' },
    parse: () => undefined,
    run: (_input, ctx) => findProduct(ctx.state, ctx.scope, ctx.path.id as string),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/products',
    accepts: ['limit', 'starting_after', 'ending_before', 'created', 'active', 'ids'],
    returns: { type: 'product', list: true },
    parse: (params) => ({ list: readListParams(params), created: params.range('created'), active: params.boolean('active'), ids: params.stringArray('ids') }),
    run: (input, ctx) =>
      listObjects('product', ctx.state.store.collection(ctx.scope, 'product'), input.list, ctx.url, {
        filter: (product) =>
          inRange(product.created, input.created) &&
          (input.active === undefined || product.active === input.active) &&
          (input.ids === undefined || input.ids.includes(product.id)),
      }),
  }),
];
