import type Stripe from 'stripe';
import { computeTotals, type LineTotals } from '../billing';
import { includable } from '../expand';
import { inRange, type Params } from '../form';
import { newId, randomString } from '../ids';
import { listObjects, pageOf, readListParams } from '../list';
import { formatAmount, wireDecimal } from '../money';
import { idOf } from '../object-types';
import { defineRoute, type Emit } from '../route';
import type { EmulatorState } from '../state';
import type { Scope } from '../store';
import { nextInvoiceNumber } from './customers';
import { couponOf } from './discounts';
import { createInvoicePayment } from './invoice-payments';
import { collectPayment, type Payment } from './payment-intents';
import { findProduct } from './products';
import { basisPoints } from './tax-rates';

/** How many lines an invoice embeds; the rest are read with `GET /v1/invoices/:id/lines`. */
const EMBEDDED_LINES = 10;
const RETRY_SECONDS = 3 * 86_400;

export interface InvoiceLineInput {
  price: Stripe.Price;
  quantity: number;
  period: Stripe.InvoiceLineItem.Period;
  /** The subscription item a line bills; one-off lines come from invoice items instead. */
  subscriptionItem: string | null;
  /** Trial lines cost nothing whatever the price. */
  trial: boolean;
}

export interface InvoiceInput {
  /** Chosen in advance when another object names the invoice before it exists (a subscription's `latest_invoice`). */
  id?: string;
  customer: Stripe.Customer;
  currency: string;
  lines: InvoiceLineInput[];
  /** The Discount objects that apply to this invoice. */
  discounts: Stripe.Discount[];
  taxRate: Stripe.TaxRate | null;
  billingReason: 'manual' | 'subscription_create' | 'subscription_cycle';
  subscription: Stripe.Subscription | null;
  periodStart: number;
  periodEnd: number;
  metadata: Record<string, string>;
}

/** Stripe's line descriptions: `1 × Pro (at $10.00 / month)`, `Trial period for Pro`, or the product's name. */
function describe(state: EmulatorState, scope: Scope, line: InvoiceLineInput): string {
  const name = findProduct(state, scope, idOf(line.price.product) as string).name;
  if (line.trial) return `Trial period for ${name}`;
  if (!line.price.recurring) return name;
  const { interval, interval_count: count } = line.price.recurring;
  const every = count === 1 ? interval : `every ${count} ${interval}s`;
  return `${line.quantity} × ${name} (at ${formatAmount(line.price.unit_amount ?? 0, line.price.currency)} / ${every})`;
}

function lineItem(
  state: EmulatorState,
  scope: Scope,
  invoiceId: string,
  input: InvoiceInput,
  line: InvoiceLineInput,
  totals: LineTotals,
): Stripe.InvoiceLineItem {
  const subscription = input.subscription?.id ?? null;
  const parent: Stripe.InvoiceLineItem.Parent = line.subscriptionItem
    ? {
        type: 'subscription_item_details',
        invoice_item_details: null,
        subscription_item_details: {
          invoice_item: null,
          proration: false,
          proration_details: { credited_items: null },
          subscription,
          subscription_item: line.subscriptionItem,
        },
      }
    : {
        type: 'invoice_item_details',
        invoice_item_details: { invoice_item: newId('ii'), proration: false, proration_details: { credited_items: null }, subscription },
        subscription_item_details: null,
      };
  return {
    id: newId('il'),
    object: 'line_item',
    amount: totals.subtotal,
    currency: input.currency,
    description: describe(state, scope, line),
    discount_amounts: totals.discounts,
    discountable: true,
    discounts: [],
    invoice: invoiceId,
    livemode: scope.mode === 'live',
    metadata: {},
    parent,
    period: line.period,
    pretax_credit_amounts: totals.discounts.map(({ amount, discount }) => ({ amount, discount, type: 'discount' })),
    pricing: {
      type: 'price_details',
      price_details: { price: line.price.id, product: idOf(line.price.product) as string },
      unit_amount_decimal: wireDecimal(line.trial ? 0 : (line.price.unit_amount ?? 0)),
    },
    quantity: line.quantity,
    quantity_decimal: wireDecimal(line.quantity),
    subscription,
    subtotal: totals.subtotal,
    taxes: input.taxRate
      ? [
          {
            amount: totals.tax,
            tax_behavior: 'exclusive',
            tax_rate_details: { tax_rate: input.taxRate.id },
            taxability_reason: 'standard_rated',
            taxable_amount: totals.taxable,
            type: 'tax_rate_details',
          },
        ]
      : [],
  };
}

function linesPage(state: EmulatorState, scope: Scope, invoiceId: string): Stripe.ApiList<Stripe.InvoiceLineItem> {
  return pageOf(state.store.attachment(scope, 'invoice', invoiceId).lines, { limit: EMBEDDED_LINES }, `/v1/invoices/${invoiceId}/lines`, 'line item');
}

/** A draft invoice with its lines priced, discounted and taxed: `invoice.created`. */
export function draftInvoice(state: EmulatorState, scope: Scope, input: InvoiceInput, emit: Emit): Stripe.Invoice {
  const id = input.id ?? newId('in');
  const now = state.now();
  const priced = input.lines.map((line) => ({
    product: idOf(line.price.product) as string,
    amount: line.trial ? 0 : (line.price.unit_amount ?? 0) * line.quantity,
  }));
  const coupons = input.discounts.map((discount) => ({ discount: discount.id, coupon: couponOf(state, scope, discount) }));
  const totals = computeTotals(priced, coupons, input.taxRate ? basisPoints(input.taxRate) : null);
  const lines = input.lines.map((line, i) => lineItem(state, scope, id, input, line, totals.lines[i] as LineTotals));
  state.store.attach(scope, 'invoice', id, { lines });
  const subscription = input.subscription;
  const invoice: Stripe.Invoice = {
    id,
    object: 'invoice',
    account_country: 'US',
    account_name: null,
    account_tax_ids: null,
    amount_due: totals.total,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: totals.total,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: true,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: input.billingReason,
    collection_method: 'charge_automatically',
    created: now,
    currency: input.currency,
    custom_fields: null,
    customer: input.customer.id,
    customer_account: null,
    customer_address: null,
    customer_email: input.customer.email,
    customer_name: input.customer.name ?? null,
    customer_phone: input.customer.phone ?? null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: input.taxRate ? [input.taxRate] : [],
    description: null,
    discounts: input.discounts.map((discount) => discount.id),
    due_date: null,
    effective_at: null,
    ending_balance: null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: linesPage(state, scope, id),
    livemode: scope.mode === 'live',
    metadata: input.metadata,
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: subscription
      ? {
          type: 'subscription_details',
          quote_details: null,
          subscription_details: { metadata: subscription.metadata, subscription: subscription.id },
        }
      : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: input.periodEnd,
    period_start: input.periodStart,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: totals.subtotal,
    subtotal_excluding_tax: totals.subtotal,
    test_clock: null,
    total: totals.total,
    total_discount_amounts: totals.discounts,
    total_excluding_tax: totals.totalExcludingTax,
    total_pretax_credit_amounts: totals.discounts.map(({ amount, discount }) => ({ amount, discount, type: 'discount' })),
    total_taxes: input.taxRate
      ? [
          {
            amount: totals.tax,
            tax_behavior: 'exclusive',
            tax_rate_details: { tax_rate: input.taxRate.id },
            taxability_reason: 'standard_rated',
            taxable_amount: totals.totalExcludingTax,
            type: 'tax_rate_details',
          },
        ]
      : [],
    webhooks_delivered_at: null,
  };
  state.store.collection(scope, 'invoice').insert(invoice);
  emit('invoice.created', invoice);
  return invoice;
}

export function findInvoice(state: EmulatorState, scope: Scope, id: string, param = 'id', status = 404): Stripe.Invoice {
  return state.store.retrieve(scope, 'invoice', id, param, status);
}

const replaceInvoice = (state: EmulatorState, scope: Scope, invoice: Stripe.Invoice) => state.store.collection(scope, 'invoice').replace(invoice);

/** The draft becomes `open` with its number: `invoice.finalized`. */
export function finalizeInvoice(state: EmulatorState, scope: Scope, id: string, emit: Emit): Stripe.Invoice {
  const draft = findInvoice(state, scope, id);
  const now = state.now();
  const token = randomString(40);
  const finalized = replaceInvoice(state, scope, {
    ...draft,
    effective_at: now,
    ending_balance: 0,
    hosted_invoice_url: `https://invoice.stripe.com/i/${token}`,
    invoice_pdf: `https://pay.stripe.com/invoice/${token}/pdf`,
    number: nextInvoiceNumber(state, scope, idOf(draft.customer) as string),
    status: 'open',
    status_transitions: { ...draft.status_transitions, finalized_at: now },
    webhooks_delivered_at: now,
  });
  emit('invoice.finalized', finalized);
  return finalized;
}

const CHARGE_DESCRIPTIONS: Partial<Record<string, string>> = {
  subscription_create: 'Subscription creation',
  subscription_cycle: 'Subscription update',
};

/**
 * Charges an open invoice. Paid: the payment's events, `invoice_payment.paid`, `invoice.paid` and
 * `invoice.payment_succeeded`; an invoice of 0 is paid without any payment. Declined: the payment's
 * events and `invoice.payment_failed`, the invoice stays `open` for a later attempt.
 */
export function payInvoice(state: EmulatorState, scope: Scope, id: string, succeeded: boolean, emit: Emit): { invoice: Stripe.Invoice; payment: Payment | null } {
  const open = findInvoice(state, scope, id);
  const now = state.now();
  let payment: Payment | null = null;
  if (open.amount_due > 0) {
    payment = collectPayment(
      state,
      scope,
      {
        amount: open.amount_due,
        currency: open.currency,
        customer: idOf(open.customer),
        email: open.customer_email,
        name: open.customer_name,
        description: CHARGE_DESCRIPTIONS[open.billing_reason ?? ''] ?? null,
        metadata: {},
        succeeded,
      },
      emit,
    );
    const invoicePayment = createInvoicePayment(state, scope, {
      invoice: id,
      paymentIntent: payment.paymentIntent.id,
      amount: open.amount_due,
      currency: open.currency,
      paid: succeeded,
    });
    if (succeeded) emit('invoice_payment.paid', invoicePayment);
  }
  const attempted = { ...open, attempted: true, attempt_count: open.attempt_count + (payment ? 1 : 0) };
  if (payment && !succeeded) {
    const failed = replaceInvoice(state, scope, { ...attempted, next_payment_attempt: now + RETRY_SECONDS });
    emit('invoice.payment_failed', failed);
    return { invoice: failed, payment };
  }
  const paid = replaceInvoice(state, scope, {
    ...attempted,
    amount_paid: open.amount_due,
    amount_remaining: 0,
    next_payment_attempt: null,
    status: 'paid',
    status_transitions: { ...open.status_transitions, paid_at: now },
  });
  emit('invoice.paid', paid);
  emit('invoice.payment_succeeded', paid);
  return { invoice: paid, payment };
}

/** Draft, finalize and charge in one go, as Stripe does for `charge_automatically` invoices. */
export function issueInvoice(
  state: EmulatorState,
  scope: Scope,
  input: InvoiceInput,
  succeeded: boolean,
  emit: Emit,
): { invoice: Stripe.Invoice; payment: Payment | null } {
  const draft = draftInvoice(state, scope, input, emit);
  finalizeInvoice(state, scope, draft.id, emit);
  return payInvoice(state, scope, draft.id, succeeded, emit);
}

export const invoiceIncludes = {
  invoice: {
    payments: includable<Stripe.Invoice>({
      type: 'invoice_payment',
      list: true,
      compute: (invoice, { state, scope }) =>
        listObjects('invoice_payment', state.store.collection(scope, 'invoice_payment'), { limit: 10 }, `/v1/invoice_payments?invoice=${invoice.id}`, {
          index: { name: 'invoice', value: invoice.id },
        }),
    }),
  },
};

const STATUSES = ['draft', 'open', 'paid', 'uncollectible', 'void'] as const;

interface ListInput {
  list: ReturnType<typeof readListParams>;
  created: ReturnType<Params['range']>;
  customer: string | undefined;
  subscription: string | undefined;
  status: (typeof STATUSES)[number] | undefined;
}

export const invoiceRoutes = [
  defineRoute({
    method: 'GET',
    path: '/v1/invoices/:id',
    accepts: [],
    returns: { type: 'invoice' },
    parse: () => undefined,
    run: (_input, ctx) => findInvoice(ctx.state, ctx.scope, ctx.path.id as string),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/invoices/:id/lines',
    accepts: ['limit', 'starting_after', 'ending_before'],
    returns: { type: 'line_item', list: true },
    parse: readListParams,
    run: (list, ctx) => {
      const invoice = findInvoice(ctx.state, ctx.scope, ctx.path.id as string);
      return pageOf(ctx.state.store.attachment(ctx.scope, 'invoice', invoice.id).lines, list, ctx.url, 'line item');
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/invoices',
    accepts: ['limit', 'starting_after', 'ending_before', 'created', 'customer', 'subscription', 'status'],
    returns: { type: 'invoice', list: true },
    parse: (params): ListInput => ({
      list: readListParams(params),
      created: params.range('created'),
      customer: params.string('customer'),
      subscription: params.string('subscription'),
      status: params.enumeration('status', STATUSES),
    }),
    run: (input, ctx) =>
      listObjects('invoice', ctx.state.store.collection(ctx.scope, 'invoice'), input.list, ctx.url, {
        ...(input.subscription !== undefined
          ? { index: { name: 'subscription', value: input.subscription } }
          : input.customer !== undefined
            ? { index: { name: 'customer', value: input.customer } }
            : {}),
        filter: (invoice) =>
          inRange(invoice.created, input.created) &&
          (input.customer === undefined || invoice.customer === input.customer) &&
          (input.status === undefined || invoice.status === input.status),
      }),
  }),
];
