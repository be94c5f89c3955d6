import type Stripe from 'stripe';
import { includable } from '../expand';
import { inRange } from '../form';
import { newId, randomString } from '../ids';
import { listObjects, readListParams } from '../list';
import { defineRoute } from '../route';
import type { EmulatorState } from '../state';
import type { Scope } from '../store';
import type { PaymentInput } from './payment-intents';

/** A charge is one attempt at a payment: the payment's terms plus the intent and card it belongs to. */
export interface ChargeInput extends PaymentInput {
  paymentIntent: string;
  paymentMethod: string;
}

/** A test card: Visa 4242 pays, Visa 0002 is declined. */
function cardDetails(amount: number, succeeded: boolean, now: number): Stripe.Charge.PaymentMethodDetails {
  return {
    type: 'card',
    card: {
      amount_authorized: succeeded ? amount : null,
      authorization_code: succeeded ? randomString(6, '0123456789') : null,
      brand: 'visa',
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: 'US',
      electronic_commerce_indicator: null,
      exp_month: 12,
      exp_year: new Date(now * 1000).getUTCFullYear() + 3,
      funding: 'credit',
      installments: null,
      last4: succeeded ? '4242' : '0002',
      mandate: null,
      network: 'visa',
      network_transaction_id: succeeded ? randomString(15, '0123456789') : null,
      regulated_status: 'unregulated',
      three_d_secure: null,
      transaction_link_id: null,
      wallet: null,
    },
  };
}

const APPROVED: Stripe.Charge.Outcome = {
  advice_code: null,
  network_advice_code: null,
  network_decline_code: null,
  network_status: 'approved_by_network',
  reason: null,
  risk_level: 'normal',
  seller_message: 'Payment complete.',
  type: 'authorized',
};

const DECLINED: Stripe.Charge.Outcome = {
  advice_code: 'try_again_later',
  network_advice_code: null,
  network_decline_code: null,
  network_status: 'declined_by_network',
  reason: 'generic_decline',
  risk_level: 'normal',
  seller_message: 'The bank did not return any further details with this decline.',
  type: 'issuer_declined',
};

/** A charge of a payment intent, succeeded or declined (no event: the payment intent's flow sends them). */
export function createCharge(state: EmulatorState, scope: Scope, input: ChargeInput): Stripe.Charge {
  const now = state.now();
  const id = newId('ch');
  const charge: Stripe.Charge = {
    id,
    object: 'charge',
    amount: input.amount,
    amount_captured: input.succeeded ? input.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: null,
    billing_details: { address: null, email: input.email, name: input.name, phone: null, tax_id: null },
    calculated_statement_descriptor: 'TALLY EMULATOR',
    captured: input.succeeded,
    created: now,
    currency: input.currency,
    customer: input.customer,
    description: input.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: input.succeeded ? null : 'card_declined',
    failure_message: input.succeeded ? null : 'Your card was declined.',
    fraud_details: {},
    livemode: scope.mode === 'live',
    metadata: input.metadata,
    on_behalf_of: null,
    outcome: input.succeeded ? APPROVED : DECLINED,
    paid: input.succeeded,
    payment_intent: input.paymentIntent,
    payment_method: input.paymentMethod,
    payment_method_details: cardDetails(input.amount, input.succeeded, now),
    receipt_email: input.email,
    receipt_number: null,
    receipt_url: input.succeeded ? `https://pay.stripe.com/receipts/payment/${randomString(64)}` : null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: input.succeeded ? 'succeeded' : 'failed',
    transfer_data: null,
    transfer_group: null,
  };
  state.store.collection(scope, 'charge').insert(charge);
  return charge;
}

export function findCharge(state: EmulatorState, scope: Scope, id: string, param = 'id', status = 404): Stripe.Charge {
  return state.store.retrieve(scope, 'charge', id, param, status);
}

export function replaceCharge(state: EmulatorState, scope: Scope, charge: Stripe.Charge): Stripe.Charge {
  return state.store.collection(scope, 'charge').replace(charge);
}

export const chargeIncludes = {
  charge: {
    refunds: includable<Stripe.Charge>({
      type: 'refund',
      list: true,
      compute: (charge, { state, scope }) =>
        listObjects('refund', state.store.collection(scope, 'refund'), { limit: 10 }, `/v1/charges/${charge.id}/refunds`, {
          index: { name: 'charge', value: charge.id },
        }),
    }),
  },
};

export const chargeRoutes = [
  defineRoute({
    method: 'GET',
    path: '/v1/charges/:id',
    accepts: [],
    returns: { type: 'charge' },
    parse: () => undefined,
    run: (_input, ctx) => findCharge(ctx.state, ctx.scope, ctx.path.id as string),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/charges',
    accepts: ['limit', 'starting_after', 'ending_before', 'created', 'customer', 'payment_intent'],
    returns: { type: 'charge', list: true },
    parse: (params) => ({
      list: readListParams(params),
      created: params.range('created'),
      customer: params.string('customer'),
      paymentIntent: params.string('payment_intent'),
    }),
    run: (input, ctx) =>
      listObjects('charge', ctx.state.store.collection(ctx.scope, 'charge'), input.list, ctx.url, {
        ...(input.paymentIntent !== undefined
          ? { index: { name: 'payment_intent', value: input.paymentIntent } }
          : input.customer !== undefined
            ? { index: { name: 'customer', value: input.customer } }
            : {}),
        filter: (charge) => inRange(charge.created, input.created) && (input.customer === undefined || charge.customer === input.customer),
      }),
  }),
];
