import type Stripe from 'stripe';
import * as z from 'zod';
import { invalidRequest } from '../errors';
import type { DiscountRef } from '../resources/discounts';
import { createCustomer, findCustomer } from '../resources/customers';
import { createPrice, findPrice, type PriceInput } from '../resources/prices';
import { createProduct } from '../resources/products';
import type { Emit } from '../route';
import type { EmulatorState } from '../state';
import type { Scope } from '../store';

/** What a simulated purchase buys: an existing price, or an amount (on a product made on the fly or named by id). */
export const lineItemSchema = z
  .object({
    price: z.string().startsWith('price_').optional(),
    product: z.object({ id: z.string().min(1).optional(), name: z.string().min(1).optional() }).optional(),
    unitAmount: z.number().int().min(0).optional(),
    currency: z
      .string()
      .regex(/^[a-zA-Z]{3}$/)
      .transform((currency) => currency.toLowerCase())
      .default('usd'),
    quantity: z.number().int().min(1).default(1),
    recurring: z.object({ interval: z.enum(['day', 'week', 'month', 'year']), intervalCount: z.number().int().min(1).default(1) }).optional(),
  })
  .refine((line) => (line.price === undefined) !== (line.unitAmount === undefined), { message: 'give either price or unitAmount' });

export type LineItemSpec = z.infer<typeof lineItemSchema>;

export const metadataSchema = z.record(z.string(), z.string());

/** An existing customer by id, or the details of a new one. */
export const customerSchema = z.union([
  z.string().startsWith('cus_'),
  z.object({ email: z.string().min(1).optional(), name: z.string().min(1).optional(), metadata: metadataSchema.optional() }),
]);

export type CustomerSpec = z.infer<typeof customerSchema>;

export const purchaseFields = {
  promotionCode: z.string().min(1).optional(),
  coupon: z.string().min(1).optional(),
  metadata: metadataSchema.default({}),
  taxBps: z.number().int().min(0).max(10_000).optional(),
};

/** The existing customer, or a new one (`customer.created`); none without a spec. */
export function customerFor(state: EmulatorState, scope: Scope, spec: CustomerSpec | undefined, emit: Emit): Stripe.Customer | null {
  if (spec === undefined) return null;
  if (typeof spec === 'string') return findCustomer(state, scope, spec, 'customer', 400);
  return createCustomer(state, scope, { email: spec.email ?? null, name: spec.name ?? null, description: null, phone: null, metadata: spec.metadata ?? {} }, emit);
}

/** The product a line names by id, made (without an event, as if set up long ago) when it does not exist yet. */
export function productFor(state: EmulatorState, scope: Scope, line: LineItemSpec): PriceInput['product'] {
  const id = line.product?.id;
  if (id === undefined) return { name: line.product?.name ?? 'Emulated product' };
  if (!state.store.collection(scope, 'product').get(id)) {
    createProduct(state, scope, { id, name: line.product?.name ?? id, description: null, active: true, metadata: {} }, () => undefined);
  }
  return { id };
}

/** A line's price: the one it names, or an inactive one-off price like those `price_data` makes. */
export function priceFor(state: EmulatorState, scope: Scope, line: LineItemSpec, param: string): Stripe.Price {
  if (line.price !== undefined) return findPrice(state, scope, line.price, param, 400);
  return createPrice(
    state,
    scope,
    {
      product: productFor(state, scope, line),
      currency: line.currency,
      unitAmount: line.unitAmount as number,
      recurring: line.recurring ? { interval: line.recurring.interval, intervalCount: line.recurring.intervalCount } : null,
      active: false,
      nickname: null,
      metadata: {},
    },
    () => undefined,
  );
}

/** A discount as a simulation names it: a promotion code by its code (or `promo_…` id), or a coupon. */
export function discountRefs(state: EmulatorState, scope: Scope, input: { promotionCode?: string | undefined; coupon?: string | undefined }): DiscountRef[] {
  if (input.promotionCode !== undefined && input.coupon !== undefined) throw invalidRequest('Give either promotionCode or coupon, not both.');
  if (input.coupon !== undefined) return [{ coupon: input.coupon }];
  if (input.promotionCode === undefined) return [];
  const byId = state.store.collection(scope, 'promotion_code').get(input.promotionCode);
  return [byId ? { promotionCode: byId.id } : { code: input.promotionCode }];
}
