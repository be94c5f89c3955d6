import type Stripe from 'stripe';
import { resourceMissing } from '../errors';
import { previousAttributes } from '../events';
import { applyMetadata, inRange, type MetadataUpdate, type Params } from '../form';
import { randomString } from '../ids';
import { listObjects, readListParams } from '../list';
import { defineRoute, type Emit } from '../route';
import type { EmulatorState } from '../state';
import type { Scope } from '../store';

export interface CustomerInput {
  email: string | null;
  name: string | null;
  description: string | null;
  phone: string | null;
  metadata: Record<string, string>;
}

interface CustomerUpdate {
  email?: string | null;
  name?: string | null;
  description?: string | null;
  phone?: string | null;
  metadata?: MetadataUpdate;
}

/** An optional string that an empty value unsets. */
const nullable = (params: Params, key: string, maxLength = 5_000): string | null | undefined => {
  const value = params.string(key, { allowEmpty: true, maxLength });
  return value === undefined ? undefined : value || null;
};

function parseCreate(params: Params): CustomerInput {
  return {
    email: nullable(params, 'email', 512) ?? null,
    name: nullable(params, 'name', 256) ?? null,
    description: nullable(params, 'description') ?? null,
    phone: nullable(params, 'phone', 20) ?? null,
    metadata: applyMetadata({}, params.metadata()),
  };
}

function parseUpdate(params: Params): CustomerUpdate {
  const update: CustomerUpdate = {};
  for (const [key, maxLength] of [['email', 512], ['name', 256], ['description', 5_000], ['phone', 20]] as const) {
    const value = nullable(params, key, maxLength);
    if (value !== undefined) update[key] = value;
  }
  const metadata = params.metadata();
  if (metadata) update.metadata = metadata;
  return update;
}

export function createCustomer(state: EmulatorState, scope: Scope, input: CustomerInput, emit: Emit): Stripe.Customer {
  const customer: Stripe.Customer = {
    id: `cus_${randomString(14)}`,
    object: 'customer',
    address: null,
    balance: 0,
    created: state.now(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: input.description,
    discount: null,
    email: input.email,
    invoice_prefix: randomString(8, '0123456789ABCDEF'),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: scope.mode === 'live',
    metadata: input.metadata,
    name: input.name,
    next_invoice_sequence: 1,
    phone: input.phone,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
  state.store.collection(scope, 'customer').insert(customer);
  emit('customer.created', customer);
  return customer;
}

/** A live customer; a deleted one counts as missing, as it does for every call but retrieve. */
export function findCustomer(state: EmulatorState, scope: Scope, id: string, param = 'id', status = 404): Stripe.Customer {
  return state.store.retrieve(scope, 'customer', id, param, status);
}

export function updateCustomer(state: EmulatorState, scope: Scope, id: string, update: CustomerUpdate, emit: Emit): Stripe.Customer {
  const before = findCustomer(state, scope, id);
  const { metadata, ...fields } = update;
  const after: Stripe.Customer = { ...before, ...fields, metadata: applyMetadata(before.metadata, metadata) };
  const changes = previousAttributes(before, after);
  if (Object.keys(changes).length === 0) return before;
  state.store.collection(scope, 'customer').replace(after);
  emit('customer.updated', after, changes);
  return after;
}

/** Numbers the invoices of a customer: `ABCD1234-0001`, `ABCD1234-0002`… (no event, as in Stripe). */
export function nextInvoiceNumber(state: EmulatorState, scope: Scope, id: string): string {
  const customer = findCustomer(state, scope, id);
  const sequence = customer.next_invoice_sequence ?? 1;
  state.store.collection(scope, 'customer').replace({ ...customer, next_invoice_sequence: sequence + 1 });
  return `${customer.invoice_prefix}-${String(sequence).padStart(4, '0')}`;
}

export const customerRoutes = [
  defineRoute({
    method: 'POST',
    path: '/v1/customers',
    accepts: ['email', 'name', 'description', 'phone', 'metadata'],
    returns: { type: 'customer' },
    parse: parseCreate,
    run: (input, ctx) => createCustomer(ctx.state, ctx.scope, input, ctx.emit),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/customers/:id',
    accepts: [],
    returns: { type: 'customer' },
    parse: () => undefined,
    run: (_input, ctx): Stripe.Customer | Stripe.DeletedCustomer => {
      const id = ctx.path.id as string;
      const customers = ctx.state.store.collection(ctx.scope, 'customer');
      if (customers.get(id)) return customers.get(id) as Stripe.Customer;
      // A deleted customer stays retrievable as a stub.
      if (customers.getIncludingRemoved(id)) return { id, object: 'customer', deleted: true };
      throw resourceMissing('customer', id);
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/customers/:id',
    accepts: ['email', 'name', 'description', 'phone', 'metadata'],
    returns: { type: 'customer' },
    parse: parseUpdate,
    run: (update, ctx) => updateCustomer(ctx.state, ctx.scope, ctx.path.id as string, update, ctx.emit),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/customers/:id',
    accepts: [],
    parse: () => undefined,
    run: (_input, ctx): Stripe.DeletedCustomer => {
      const customer = findCustomer(ctx.state, ctx.scope, ctx.path.id as string);
      ctx.state.store.collection(ctx.scope, 'customer').remove(customer.id);
      ctx.emit('customer.deleted', customer);
      return { id: customer.id, object: 'customer', deleted: true };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/customers',
    accepts: ['limit', 'starting_after', 'ending_before', 'created', 'email'],
    returns: { type: 'customer', list: true },
    parse: (params) => ({ list: readListParams(params), created: params.range('created'), email: params.string('email', { maxLength: 512 }) }),
    run: (input, ctx) =>
      listObjects('customer', ctx.state.store.collection(ctx.scope, 'customer'), input.list, ctx.url, {
        ...(input.email !== undefined ? { index: { name: 'email', value: input.email } } : {}),
        filter: (customer) => inRange(customer.created, input.created),
      }),
  }),
];
