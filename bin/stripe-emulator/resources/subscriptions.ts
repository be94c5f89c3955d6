import type Stripe from 'stripe';
import { addInterval, nextPeriodEnd, type Interval } from '../calendar';
import { invalidParam, invalidRequest } from '../errors';
import { previousAttributes } from '../events';
import { applyMetadata, inRange, type MetadataUpdate, type Params } from '../form';
import { newId, randomString } from '../ids';
import { listObjects, readListParams } from '../list';
import { idOf } from '../object-types';
import { defineRoute, type Emit } from '../route';
import type { EmulatorState } from '../state';
import type { Scope } from '../store';
import { couponOf, findDiscount, updateDiscount } from './discounts';
import { findInvoice, issueInvoice, type InvoiceLineInput } from './invoices';
import type { Payment } from './payment-intents';
import { planOf } from './prices';

export interface PricedQuantity {
  price: Stripe.Price;
  quantity: number;
}

export interface SubscriptionInput {
  customer: Stripe.Customer;
  currency: string;
  /** Recurring prices: the subscription's items. */
  items: PricedQuantity[];
  /** One-time prices bought with it: billed once, on the first invoice. */
  oneTime: PricedQuantity[];
  trialDays: number | null;
  metadata: Record<string, string>;
  taxRate: Stripe.TaxRate | null;
  /** Discounts redeemed with the purchase (a Checkout Session's), now the subscription's. */
  discounts: Stripe.Discount[];
}

export interface Billing {
  subscription: Stripe.Subscription;
  invoice: Stripe.Invoice;
  payment: Payment | null;
}

const DAY = 86_400;

const recurrenceOf = (subscription: Stripe.Subscription) => {
  const recurring = (subscription.items.data[0] as Stripe.SubscriptionItem).price.recurring as Stripe.Price.Recurring;
  return { interval: recurring.interval as Interval, count: recurring.interval_count };
};

/** The billing period all items share (a subscription's items have one interval). */
export const currentPeriod = (subscription: Stripe.Subscription) => {
  const item = subscription.items.data[0] as Stripe.SubscriptionItem;
  return { start: item.current_period_start, end: item.current_period_end };
};

const withPeriod = (subscription: Stripe.Subscription, start: number, end: number): Stripe.Subscription['items'] => ({
  ...subscription.items,
  data: subscription.items.data.map((item) => ({ ...item, current_period_start: start, current_period_end: end })),
});

/**
 * Which of a subscription's discounts an invoice for the period starting at `periodStart` gets, and
 * which the subscription keeps: `forever` always; `repeating` until its Discount's `end`; `once` on
 * the first invoice that costs something (a free trial invoice does not use it up), then it is dropped.
 */
function discountsFor(state: EmulatorState, scope: Scope, subscription: Stripe.Subscription, periodStart: number, chargeable: boolean) {
  const invoices = state.store.collection(scope, 'invoice').lookup('subscription', subscription.id);
  const apply: Stripe.Discount[] = [];
  const keep: string[] = [];
  for (const id of subscription.discounts.map((discount) => idOf(discount) as string)) {
    const discount = findDiscount(state, scope, id);
    const { duration } = couponOf(state, scope, discount);
    if (duration === 'forever' || (duration === 'repeating' && (discount.end === null || periodStart < discount.end))) {
      apply.push(discount);
      keep.push(id);
    } else if (duration === 'once' && !invoices.some((invoice) => invoice.discounts.includes(id))) {
      if (chargeable) apply.push(discount);
      keep.push(id);
    }
  }
  return { apply, keep };
}

const lineInputs = (subscription: Stripe.Subscription, period: { start: number; end: number }, trial: boolean): InvoiceLineInput[] =>
  subscription.items.data.map((item) => ({ price: item.price, quantity: item.quantity ?? 1, period, subscriptionItem: item.id, trial }));

/**
 * A subscription bought through Checkout: `customer.subscription.created` (active, or trialing with a
 * trial), then its first invoice (`subscription_create`) is issued and paid. A trial's first invoice
 * costs nothing (unless one-time prices came with it) and is paid without a payment.
 */
export function startSubscription(state: EmulatorState, scope: Scope, input: SubscriptionInput, emit: Emit): Billing {
  const now = state.now();
  const id = newId('sub');
  const invoiceId = newId('in');
  const recurring = (input.items[0] as PricedQuantity).price.recurring as Stripe.Price.Recurring;
  const trialEnd = input.trialDays ? now + input.trialDays * DAY : null;
  const periodEnd = trialEnd ?? addInterval(now, recurring.interval as Interval, recurring.interval_count);
  const discounts = input.discounts.map((discount) => updateDiscount(state, scope, discount.id, { customer: input.customer.id, subscription: id }));
  const subscription: Stripe.Subscription = {
    id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: trialEnd ?? now,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: { proration_discounts: 'included' }, type: 'flexible', updated_at: now },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: 'charge_automatically',
    created: now,
    currency: input.currency,
    customer: input.customer.id,
    customer_account: null,
    days_until_due: null,
    default_payment_method: null,
    default_source: null,
    default_tax_rates: input.taxRate ? [input.taxRate] : [],
    description: null,
    discounts: discounts.map((discount) => discount.id),
    ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: 'self' } },
    items: {
      object: 'list',
      data: input.items.map(({ price, quantity }) => ({
        id: `si_${randomString(14)}`,
        object: 'subscription_item',
        billing_thresholds: null,
        created: now,
        current_period_end: periodEnd,
        current_period_start: now,
        current_trial: null,
        discounts: [],
        metadata: {},
        plan: planOf(price),
        price,
        quantity,
        subscription: id,
        tax_rates: [],
      })),
      has_more: false,
      url: `/v1/subscription_items?subscription=${id}`,
    },
    latest_invoice: invoiceId,
    livemode: scope.mode === 'live',
    managed_payments: null,
    metadata: input.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: now,
    status: trialEnd ? 'trialing' : 'active',
    test_clock: null,
    transfer_data: null,
    trial_end: trialEnd,
    trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: 'create_invoice' } },
    trial_start: trialEnd ? now : null,
  };
  state.store.collection(scope, 'subscription').insert(subscription);
  emit('customer.subscription.created', subscription);

  const period = { start: now, end: periodEnd };
  const oneTime = input.oneTime.map(({ price, quantity }) => ({ price, quantity, period: { start: now, end: now }, subscriptionItem: null, trial: false }));
  const chargeable = !trialEnd || oneTime.length > 0;
  const { invoice, payment } = issueInvoice(
    state,
    scope,
    {
      id: invoiceId,
      customer: input.customer,
      currency: input.currency,
      lines: [...lineInputs(subscription, period, Boolean(trialEnd)), ...oneTime],
      discounts: discountsFor(state, scope, subscription, now, chargeable).apply,
      taxRate: input.taxRate,
      billingReason: 'subscription_create',
      subscription,
      periodStart: now,
      periodEnd: now,
      metadata: {},
    },
    true,
    emit,
  );
  return { subscription, invoice, payment };
}

export function findSubscription(state: EmulatorState, scope: Scope, id: string, param = 'id', status = 404): Stripe.Subscription {
  return state.store.retrieve(scope, 'subscription', id, param, status);
}

function replaceSubscription(state: EmulatorState, scope: Scope, before: Stripe.Subscription, after: Stripe.Subscription, emit: Emit): Stripe.Subscription {
  const changes = previousAttributes(before, after);
  if (Object.keys(changes).length === 0) return before;
  state.store.collection(scope, 'subscription').replace(after);
  emit('customer.subscription.updated', after, changes);
  return after;
}

/**
 * The next billing period starts: `customer.subscription.updated` (new item periods, `latest_invoice`,
 * a trial ending, discounts that ran out), then the `subscription_cycle` invoice is issued and charged.
 * A declined renewal leaves the invoice open and the subscription `past_due`; a paid one after a
 * decline makes it `active` again.
 */
export function renewSubscription(state: EmulatorState, scope: Scope, id: string, succeeded: boolean, emit: Emit): Billing {
  const before = findSubscription(state, scope, id, 'subscription', 400);
  if (before.status === 'canceled') throw invalidRequest(`Subscription ${id} is canceled; it has no next period to bill.`, { param: 'subscription' });
  const previous = currentPeriod(before);
  if (before.cancel_at !== null && before.cancel_at <= previous.end) {
    throw invalidRequest(`Subscription ${id} ends at ${before.cancel_at}, before its next period; advance the clock to end it.`, { param: 'subscription' });
  }
  const { interval, count } = recurrenceOf(before);
  const period = { start: previous.end, end: nextPeriodEnd(before.billing_cycle_anchor, interval, count, previous.end) };
  const { apply, keep } = discountsFor(state, scope, before, period.start, true);
  const invoiceId = newId('in');
  const renewed = replaceSubscription(
    state,
    scope,
    before,
    {
      ...before,
      discounts: keep,
      items: withPeriod(before, period.start, period.end),
      latest_invoice: invoiceId,
      status: before.status === 'trialing' ? 'active' : before.status,
    },
    emit,
  );
  const { invoice, payment } = issueInvoice(
    state,
    scope,
    {
      id: invoiceId,
      customer: state.store.collection(scope, 'customer').getIncludingRemoved(idOf(before.customer) as string) as Stripe.Customer,
      currency: before.currency,
      lines: lineInputs(renewed, period, false),
      discounts: apply,
      taxRate: before.default_tax_rates?.[0] ?? null,
      billingReason: 'subscription_cycle',
      subscription: renewed,
      periodStart: previous.start,
      periodEnd: previous.end,
      metadata: {},
    },
    succeeded,
    emit,
  );
  const status = succeeded ? 'active' : 'past_due';
  const subscription = replaceSubscription(state, scope, renewed, { ...renewed, status }, emit);
  return { subscription, invoice: findInvoice(state, scope, invoice.id), payment };
}

export interface SubscriptionUpdate {
  cancelAtPeriodEnd?: boolean;
  /** `null` unsets it. */
  cancelAt?: number | null;
  metadata?: MetadataUpdate;
}

const REQUESTED: Stripe.Subscription.CancellationDetails = { comment: null, feedback: null, feedback_option: null, reason: 'cancellation_requested' };
const NOT_CANCELED: Stripe.Subscription.CancellationDetails = { comment: null, feedback: null, feedback_option: null, reason: null };

/**
 * Schedules (or takes back) the end of a subscription: `cancel_at_period_end` ends it when the current
 * period does, `cancel_at` at a given time; `canceled_at` records when that was asked. The clock ends
 * it when the time comes (`endDueSubscriptions`).
 */
export function updateSubscription(state: EmulatorState, scope: Scope, id: string, update: SubscriptionUpdate, emit: Emit): Stripe.Subscription {
  const before = findSubscription(state, scope, id);
  const cancellation = update.cancelAtPeriodEnd !== undefined || update.cancelAt !== undefined;
  if (before.status === 'canceled' && cancellation) {
    throw invalidRequest('A canceled subscription can only update its cancellation_details and metadata.');
  }
  let after: Stripe.Subscription = { ...before, metadata: applyMetadata(before.metadata, update.metadata) };
  const now = state.now();
  if (update.cancelAtPeriodEnd === true) {
    after = { ...after, cancel_at: currentPeriod(before).end, cancel_at_period_end: true, canceled_at: now, cancellation_details: REQUESTED };
  } else if (update.cancelAt !== undefined && update.cancelAt !== null) {
    after = { ...after, cancel_at: update.cancelAt, cancel_at_period_end: false, canceled_at: now, cancellation_details: REQUESTED };
  } else if (update.cancelAtPeriodEnd === false || update.cancelAt === null) {
    after = { ...after, cancel_at: null, cancel_at_period_end: false, canceled_at: null, cancellation_details: NOT_CANCELED };
  }
  return replaceSubscription(state, scope, before, after, emit);
}

function end(state: EmulatorState, scope: Scope, before: Stripe.Subscription, endedAt: number, emit: Emit): Stripe.Subscription {
  const ended: Stripe.Subscription = {
    ...before,
    canceled_at: before.canceled_at ?? endedAt,
    cancellation_details: before.cancellation_details?.reason ? before.cancellation_details : REQUESTED,
    ended_at: endedAt,
    status: 'canceled',
  };
  state.store.collection(scope, 'subscription').replace(ended);
  emit('customer.subscription.deleted', ended);
  return ended;
}

/** Cancels now (`DELETE /v1/subscriptions/:id`): `customer.subscription.deleted`. */
export function cancelSubscription(state: EmulatorState, scope: Scope, id: string, emit: Emit): Stripe.Subscription {
  const before = findSubscription(state, scope, id);
  if (before.status === 'canceled') throw invalidRequest(`Subscription ${id} is already canceled.`);
  return end(state, scope, { ...before, canceled_at: state.now(), cancellation_details: REQUESTED }, state.now(), emit);
}

/** Ends, in every account, the subscriptions whose `cancel_at` the clock has reached. */
export function endDueSubscriptions(state: EmulatorState, emitIn: (scope: Scope) => Emit): Stripe.Subscription[] {
  const now = state.now();
  const ended: Stripe.Subscription[] = [];
  for (const scope of [...state.store.scopesWith('subscription')]) {
    const due = [...state.store.collection(scope, 'subscription').all()].filter(
      (subscription) => subscription.status !== 'canceled' && subscription.cancel_at !== null && subscription.cancel_at <= now,
    );
    for (const subscription of due) ended.push(end(state, scope, subscription, subscription.cancel_at as number, emitIn(scope)));
  }
  return ended;
}

function parseUpdate(params: Params): SubscriptionUpdate {
  const update: SubscriptionUpdate = {};
  const cancelAtPeriodEnd = params.boolean('cancel_at_period_end');
  const rawCancelAt = params.string('cancel_at', { allowEmpty: true });
  if (cancelAtPeriodEnd === true && rawCancelAt) {
    throw invalidParam('You may only specify one of these parameters: cancel_at, cancel_at_period_end.', 'cancel_at');
  }
  if (cancelAtPeriodEnd !== undefined) update.cancelAtPeriodEnd = cancelAtPeriodEnd;
  if (rawCancelAt === '') update.cancelAt = null;
  else if (rawCancelAt !== undefined) update.cancelAt = params.futureTimestamp('cancel_at') as number;
  const metadata = params.metadata();
  if (metadata) update.metadata = metadata;
  return update;
}

const STATUSES = ['active', 'all', 'canceled', 'ended', 'incomplete', 'incomplete_expired', 'past_due', 'paused', 'trialing', 'unpaid'] as const;

export const subscriptionRoutes = [
  defineRoute({
    method: 'GET',
    path: '/v1/subscriptions/:id',
    accepts: [],
    returns: { type: 'subscription' },
    parse: () => undefined,
    run: (_input, ctx) => findSubscription(ctx.state, ctx.scope, ctx.path.id as string),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/subscriptions/:id',
    accepts: ['cancel_at_period_end', 'cancel_at', 'metadata'],
    returns: { type: 'subscription' },
    parse: parseUpdate,
    run: (update, ctx) => updateSubscription(ctx.state, ctx.scope, ctx.path.id as string, update, ctx.emit),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/subscriptions/:id',
    // Accepted for compatibility; the emulator neither prorates nor invoices on cancellation.
    accepts: ['invoice_now', 'prorate'],
    returns: { type: 'subscription' },
    parse: (params) => ({ invoiceNow: params.boolean('invoice_now'), prorate: params.boolean('prorate') }),
    run: (_input, ctx) => cancelSubscription(ctx.state, ctx.scope, ctx.path.id as string, ctx.emit),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/subscriptions',
    accepts: ['limit', 'starting_after', 'ending_before', 'created', 'customer', 'price', 'status'],
    returns: { type: 'subscription', list: true },
    parse: (params) => ({
      list: readListParams(params),
      created: params.range('created'),
      customer: params.string('customer'),
      price: params.string('price'),
      status: params.enumeration('status', STATUSES),
    }),
    run: (input, ctx) =>
      listObjects('subscription', ctx.state.store.collection(ctx.scope, 'subscription'), input.list, ctx.url, {
        ...(input.customer !== undefined ? { index: { name: 'customer', value: input.customer } } : {}),
        filter: (subscription) =>
          inRange(subscription.created, input.created) &&
          // Without a status, Stripe lists the subscriptions that are not canceled.
          (input.status === 'all' ||
            (input.status === undefined && subscription.status !== 'canceled') ||
            (input.status === 'ended' && subscription.status === 'canceled') ||
            subscription.status === input.status) &&
          (input.price === undefined || subscription.items.data.some((item) => item.price.id === input.price)),
      }),
  }),
];
