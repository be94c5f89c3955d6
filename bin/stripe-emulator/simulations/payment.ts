import type Stripe from 'stripe';
import * as z from 'zod';
import { collectPayment, type Payment } from '../resources/payment-intents';
import type { Emit } from '../route';
import type { EmulatorState } from '../state';
import type { Scope } from '../store';
import { customerFor, customerSchema, metadataSchema } from './purchases';

export const paymentFields = {
  customer: customerSchema.optional(),
  /** The payer's e-mail when there is no customer (`billing_details.email`). */
  email: z.string().min(1).optional(),
  amount: z.number().int().min(1),
  currency: z
    .string()
    .regex(/^[a-zA-Z]{3}$/)
    .transform((currency) => currency.toLowerCase())
    .default('usd'),
  description: z.string().optional(),
  metadata: metadataSchema.default({}),
  fail: z.boolean().default(false),
};

/**
 * A payment with no Checkout Session and no invoice (a custom payment form):
 * `payment_intent.created`, `charge.succeeded`, `payment_intent.succeeded`.
 */
export function simulatePayment(
  state: EmulatorState,
  scope: Scope,
  input: z.infer<z.ZodObject<typeof paymentFields>>,
  emit: Emit,
): Payment & { customer: Stripe.Customer | null } {
  const customer = customerFor(state, scope, input.customer, emit);
  const payment = collectPayment(
    state,
    scope,
    {
      amount: input.amount,
      currency: input.currency,
      customer: customer?.id ?? null,
      email: customer?.email ?? input.email ?? null,
      name: customer?.name ?? null,
      description: input.description ?? null,
      metadata: input.metadata,
      succeeded: !input.fail,
    },
    emit,
  );
  return { ...payment, customer };
}
