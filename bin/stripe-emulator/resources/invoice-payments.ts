import type Stripe from 'stripe';
import { invalidParam, resourceMissing } from '../errors';
import { inRange, type Params } from '../form';
import { newId } from '../ids';
import { listObjects, readListParams } from '../list';
import { defineRoute } from '../route';
import type { EmulatorState } from '../state';
import type { Scope } from '../store';

export interface InvoicePaymentInput {
  invoice: string;
  paymentIntent: string;
  amount: number;
  currency: string;
  paid: boolean;
}

/**
 * What ties an invoice to the payment intent that pays it (this API version has no `invoice` on
 * charges or payment intents). A declined attempt leaves it `open`.
 */
export function createInvoicePayment(state: EmulatorState, scope: Scope, input: InvoicePaymentInput): Stripe.InvoicePayment {
  const now = state.now();
  const payment: Stripe.InvoicePayment = {
    id: newId('inpay'),
    object: 'invoice_payment',
    amount_paid: input.paid ? input.amount : null,
    amount_requested: input.amount,
    created: now,
    currency: input.currency,
    invoice: input.invoice,
    is_default: true,
    livemode: scope.mode === 'live',
    payment: { type: 'payment_intent', payment_intent: input.paymentIntent },
    status: input.paid ? 'paid' : 'open',
    status_transitions: { canceled_at: null, paid_at: input.paid ? now : null },
  };
  state.store.collection(scope, 'invoice_payment').insert(payment);
  return payment;
}

interface ListInput {
  list: ReturnType<typeof readListParams>;
  created: ReturnType<Params['range']>;
  invoice: string | undefined;
  paymentIntent: string | undefined;
  paymentType: string | undefined;
  status: string | undefined;
}

function parseList(params: Params): ListInput {
  const payment = params.object('payment');
  const paymentType = payment?.enumeration('type', ['payment_intent', 'payment_record'] as const, { required: true });
  const paymentIntent = payment?.string('payment_intent');
  const paymentRecord = payment?.string('payment_record');
  if (paymentIntent !== undefined && paymentType !== 'payment_intent') {
    throw invalidParam('payment[payment_intent] can only be used when payment[type] is payment_intent.', 'payment[payment_intent]');
  }
  if (paymentRecord !== undefined && paymentType !== 'payment_record') {
    throw invalidParam('payment[payment_record] can only be used when payment[type] is payment_record.', 'payment[payment_record]');
  }
  return {
    list: readListParams(params),
    created: params.range('created'),
    invoice: params.string('invoice'),
    paymentIntent,
    paymentType,
    status: params.enumeration('status', ['canceled', 'open', 'paid'] as const),
  };
}

export const invoicePaymentRoutes = [
  defineRoute({
    method: 'GET',
    path: '/v1/invoice_payments/:id',
    accepts: [],
    returns: { type: 'invoice_payment' },
    parse: () => undefined,
    run: (_input, ctx) => {
      const id = ctx.path.id as string;
      const payment = ctx.state.store.collection(ctx.scope, 'invoice_payment').get(id);
      if (!payment) throw resourceMissing('invoice payment', id);
      return payment;
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/invoice_payments',
    accepts: ['limit', 'starting_after', 'ending_before', 'created', 'invoice', 'payment', 'status'],
    returns: { type: 'invoice_payment', list: true },
    parse: parseList,
    run: (input, ctx) =>
      listObjects('invoice_payment', ctx.state.store.collection(ctx.scope, 'invoice_payment'), input.list, ctx.url, {
        ...(input.paymentIntent !== undefined
          ? { index: { name: 'payment_intent', value: input.paymentIntent } }
          : input.invoice !== undefined
            ? { index: { name: 'invoice', value: input.invoice } }
            : {}),
        filter: (payment) =>
          inRange(payment.created, input.created) &&
          (input.invoice === undefined || payment.invoice === input.invoice) &&
          (input.paymentType === undefined || payment.payment.type === input.paymentType) &&
          (input.status === undefined || payment.status === input.status),
      }),
  }),
];
