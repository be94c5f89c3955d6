import type Stripe from 'stripe';
import { inRange } from '../form';
import { newId, randomString } from '../ids';
import { listObjects, readListParams } from '../list';
import { defineRoute, type Emit } from '../route';
import type { EmulatorState } from '../state';
import type { Scope } from '../store';
import { createCharge } from './charges';

export interface PaymentInput {
  amount: number;
  currency: string;
  customer: string | null;
  /** The payer's e-mail and name, as the card form collected them (`billing_details`). */
  email: string | null;
  name: string | null;
  description: string | null;
  metadata: Record<string, string>;
  /** A declined card leaves the payment intent waiting for another payment method. */
  succeeded: boolean;
}

export interface Payment {
  paymentIntent: Stripe.PaymentIntent;
  charge: Stripe.Charge;
}

/**
 * A payment intent confirmed at once with a test card, as Checkout and invoices do it:
 * `payment_intent.created`, then `charge.succeeded` and `payment_intent.succeeded` (or `charge.failed`
 * and `payment_intent.payment_failed` for a declined card).
 */
export function collectPayment(state: EmulatorState, scope: Scope, input: PaymentInput, emit: Emit): Payment {
  const intents = state.store.collection(scope, 'payment_intent');
  const id = newId('pi');
  const paymentMethod = newId('pm');
  const created: Stripe.PaymentIntent = {
    id,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount: input.amount,
    amount_capturable: 0,
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic_async',
    client_secret: `${id}_secret_${randomString(25)}`,
    confirmation_method: 'automatic',
    created: state.now(),
    currency: input.currency,
    customer: input.customer,
    customer_account: null,
    description: input.description,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: scope.mode === 'live',
    managed_payments: null,
    metadata: input.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ['card'],
    payment_record: null,
    processing: null,
    receipt_email: input.email,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'requires_payment_method',
    transfer_group: null,
  };
  intents.insert(created);
  emit('payment_intent.created', created);

  const charge = createCharge(state, scope, { ...input, paymentIntent: id, paymentMethod });
  const settled: Stripe.PaymentIntent = input.succeeded
    ? { ...created, amount_received: input.amount, latest_charge: charge.id, payment_method: paymentMethod, status: 'succeeded' }
    : {
        ...created,
        latest_charge: charge.id,
        last_payment_error: {
          charge: charge.id,
          code: 'card_declined',
          decline_code: 'generic_decline',
          doc_url: 'https://stripe.com/docs/error-codes/card-declined',
          message: 'Your card was declined.',
          type: 'card_error',
        },
      };
  intents.replace(settled);
  if (input.succeeded) {
    emit('charge.succeeded', charge);
    emit('payment_intent.succeeded', settled);
  } else {
    emit('charge.failed', charge);
    emit('payment_intent.payment_failed', settled);
  }
  return { paymentIntent: settled, charge };
}

export function findPaymentIntent(state: EmulatorState, scope: Scope, id: string, param = 'id', status = 404): Stripe.PaymentIntent {
  return state.store.retrieve(scope, 'payment_intent', id, param, status);
}

export const paymentIntentRoutes = [
  defineRoute({
    method: 'GET',
    path: '/v1/payment_intents/:id',
    accepts: ['client_secret'],
    returns: { type: 'payment_intent' },
    parse: (params) => params.string('client_secret'),
    run: (_input, ctx) => findPaymentIntent(ctx.state, ctx.scope, ctx.path.id as string),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/payment_intents',
    accepts: ['limit', 'starting_after', 'ending_before', 'created', 'customer'],
    returns: { type: 'payment_intent', list: true },
    parse: (params) => ({ list: readListParams(params), created: params.range('created'), customer: params.string('customer') }),
    run: (input, ctx) =>
      listObjects('payment_intent', ctx.state.store.collection(ctx.scope, 'payment_intent'), input.list, ctx.url, {
        ...(input.customer !== undefined ? { index: { name: 'customer', value: input.customer } } : {}),
        filter: (intent) => inRange(intent.created, input.created),
      }),
  }),
];
