import * as z from 'zod';
import { randomString } from '../ids';
import { completeSession, createSession, findSession, type Completion, type Payer, type SessionRequest } from '../resources/checkout-sessions';
import { exclusiveTaxRate } from '../resources/tax-rates';
import type { Emit } from '../route';
import type { EmulatorState } from '../state';
import type { Scope } from '../store';
import { customerSchema, discountRefs, lineItemSchema, metadataSchema, productFor, purchaseFields, type LineItemSpec } from './purchases';

export const checkoutFields = {
  /** Complete a session created with `POST /v1/checkout/sessions` instead of making one. */
  session: z.string().startsWith('cs_').optional(),
  kind: z.enum(['payment', 'subscription']).optional(),
  customer: customerSchema.optional(),
  /** The e-mail a guest (no customer) types on the Checkout page. */
  customerEmail: z.string().min(1).optional(),
  lineItems: z.array(lineItemSchema).min(1).max(100).optional(),
  clientReferenceId: z.string().max(200).optional(),
  subscriptionMetadata: metadataSchema.default({}),
  paymentIntentMetadata: metadataSchema.default({}),
  trialDays: z.number().int().min(1).max(730).optional(),
  ...purchaseFields,
};

type CheckoutInput = z.infer<z.ZodObject<typeof checkoutFields>>;

/** A new session needs what it sells; an existing one brings it. */
export const checkoutComplete = (input: CheckoutInput): boolean =>
  input.session !== undefined || (input.kind !== undefined && input.lineItems !== undefined && (input.kind === 'subscription' || input.trialDays === undefined));

function lineRequest(state: EmulatorState, scope: Scope, line: LineItemSpec): SessionRequest['lineItems'][number] {
  if (line.price !== undefined) return { price: line.price, quantity: line.quantity };
  return {
    quantity: line.quantity,
    priceData: {
      product: productFor(state, scope, line),
      currency: line.currency,
      unitAmount: line.unitAmount as number,
      recurring: line.recurring ? { interval: line.recurring.interval, intervalCount: line.recurring.intervalCount } : null,
    },
  };
}

/** Who pays: the new customer's details, or a guest's e-mail (the prefilled one, or one made up). */
function payerOf(input: CheckoutInput, prefilled: string | null): Payer {
  const details = typeof input.customer === 'object' ? input.customer : undefined;
  return {
    email: details?.email ?? input.customerEmail ?? prefilled ?? `customer-${randomString(10).toLowerCase()}@example.com`,
    name: details?.name ?? null,
    ...(details?.metadata ? { metadata: details.metadata } : {}),
  };
}

/**
 * A customer goes through Checkout: the session is created as `POST /v1/checkout/sessions` would
 * (with the promotion code, metadata, client_reference_id, trial and tax asked for) and paid at once.
 */
export function simulateCheckout(state: EmulatorState, scope: Scope, input: CheckoutInput, emit: Emit): Completion {
  if (input.session !== undefined) {
    const open = findSession(state, scope, input.session, 'session', 400);
    return completeSession(state, scope, open.id, payerOf(input, open.customer_email), emit);
  }
  const payer = payerOf(input, null);
  const kind = input.kind as 'payment' | 'subscription';
  const existing = typeof input.customer === 'string' ? input.customer : null;
  const request: SessionRequest = {
    mode: kind,
    lineItems: (input.lineItems ?? []).map((line) => lineRequest(state, scope, line)),
    customer: existing,
    customerEmail: existing === null ? payer.email : null,
    // A customer given by its details is made in payment mode too; a guest pays without one.
    customerCreation: kind === 'payment' ? (typeof input.customer === 'object' ? 'always' : 'if_required') : null,
    clientReferenceId: input.clientReferenceId ?? null,
    metadata: input.metadata,
    discounts: discountRefs(state, scope, input),
    allowPromotionCodes: null,
    trialDays: input.trialDays ?? null,
    subscriptionMetadata: input.subscriptionMetadata,
    paymentIntentMetadata: input.paymentIntentMetadata,
    successUrl: 'https://example.com/success',
    cancelUrl: 'https://example.com/cancel',
  };
  const taxRate = input.taxBps === undefined ? null : exclusiveTaxRate(state, scope, input.taxBps);
  const session = createSession(state, scope, request, { taxRate });
  return completeSession(state, scope, session.id, payer, emit);
}
