import type Stripe from 'stripe';
import { computeTotals, type LineTotals } from '../billing';
import { invalidParam, invalidRequest, parameterMissing } from '../errors';
import { includable } from '../expand';
import { applyMetadata, inRange, type Params } from '../form';
import { newId, randomString } from '../ids';
import { listObjects, pageOf, readListParams } from '../list';
import { idOf } from '../object-types';
import { defineRoute, type Emit } from '../route';
import type { EmulatorState } from '../state';
import type { Scope } from '../store';
import { createCustomer, findCustomer } from './customers';
import { createDiscount, findDiscount, readDiscounts, recordRedemption, resolveRedemption, updateDiscount, type DiscountRef, type Redemption } from './discounts';
import { collectPayment } from './payment-intents';
import { createPrice, purchasablePrice, readPriceData, type PriceInput } from './prices';
import { findProduct } from './products';
import { startSubscription, type PricedQuantity } from './subscriptions';
import { basisPoints } from './tax-rates';

/** Stripe's limit for one session. */
const MAX_LINE_ITEMS = 100;
const EMBEDDED_LINE_ITEMS = 10;
const SESSION_LIFETIME = 24 * 60 * 60;

type LineRequest = { quantity: number } & ({ price: string } | { priceData: Omit<PriceInput, 'active' | 'nickname' | 'metadata'> });

export interface SessionRequest {
  mode: 'payment' | 'subscription';
  lineItems: LineRequest[];
  customer: string | null;
  customerEmail: string | null;
  customerCreation: 'always' | 'if_required' | null;
  clientReferenceId: string | null;
  metadata: Record<string, string>;
  discounts: DiscountRef[];
  allowPromotionCodes: boolean | null;
  trialDays: number | null;
  subscriptionMetadata: Record<string, string>;
  paymentIntentMetadata: Record<string, string>;
  successUrl: string | null;
  cancelUrl: string | null;
}

function readLineItems(params: Params): LineRequest[] {
  const entries = params.objectArray('line_items');
  if (!entries || entries.length === 0) throw parameterMissing('line_items');
  if (entries.length > MAX_LINE_ITEMS) throw invalidParam(`You may only specify up to ${MAX_LINE_ITEMS} line items.`, 'line_items');
  return entries.map((entry) => {
    const price = entry.string('price');
    const priceData = entry.object('price_data');
    if ((price === undefined) === (priceData === undefined)) {
      throw invalidParam('You must specify exactly one of price or price_data.', entry.name('price'));
    }
    const quantity = entry.integer('quantity', { required: true, min: 1, max: 999_999 }) as number;
    return price !== undefined ? { price, quantity } : { priceData: readPriceData(priceData as Params), quantity };
  });
}

export function parseSessionRequest(params: Params): SessionRequest {
  const mode = params.enumeration('mode', ['payment', 'subscription'] as const, { required: true }) as SessionRequest['mode'];
  const lineItems = readLineItems(params);
  const customer = params.string('customer') ?? null;
  const customerEmail = params.string('customer_email', { maxLength: 800 }) ?? null;
  if (customer !== null && customerEmail !== null) throw invalidParam('You may only specify one of these parameters: customer, customer_email.', 'customer');
  const customerCreation = params.enumeration('customer_creation', ['always', 'if_required'] as const) ?? null;
  if (customerCreation !== null && mode !== 'payment') throw invalidParam('`customer_creation` can only be used in `payment` mode.', 'customer_creation');
  const discounts = readDiscounts(params) ?? [];
  const allowPromotionCodes = params.boolean('allow_promotion_codes') ?? null;
  if (discounts.length > 0 && allowPromotionCodes !== null) {
    throw invalidParam('You may only specify one of these parameters: allow_promotion_codes, discounts.', 'discounts');
  }
  if (discounts.length > 1) throw invalidParam('You may only specify one discount.', 'discounts');
  const subscriptionData = params.object('subscription_data');
  if (subscriptionData && mode !== 'subscription') throw invalidParam('`subscription_data` can only be used in `subscription` mode.', 'subscription_data');
  const paymentIntentData = params.object('payment_intent_data');
  if (paymentIntentData && mode !== 'payment') throw invalidParam('`payment_intent_data` can only be used in `payment` mode.', 'payment_intent_data');
  return {
    mode,
    lineItems,
    customer,
    customerEmail,
    customerCreation,
    clientReferenceId: params.string('client_reference_id', { maxLength: 200 }) ?? null,
    metadata: applyMetadata({}, params.metadata()),
    discounts,
    allowPromotionCodes,
    trialDays: subscriptionData?.integer('trial_period_days', { min: 1, max: 730 }) ?? null,
    subscriptionMetadata: applyMetadata({}, subscriptionData?.metadata()),
    paymentIntentMetadata: applyMetadata({}, paymentIntentData?.metadata()),
    successUrl: params.string('success_url', { maxLength: 5_000 }) ?? null,
    cancelUrl: params.string('cancel_url', { maxLength: 5_000 }) ?? null,
  };
}

interface ResolvedLine {
  price: Stripe.Price | null;
  data: Omit<PriceInput, 'active' | 'nickname' | 'metadata'> | null;
  quantity: number;
  currency: string;
  recurring: boolean;
  interval: string | null;
  unitAmount: number;
  product: string | null;
}

/** Existing prices looked up, inline ones checked, all before anything is created. */
function resolveLines(state: EmulatorState, scope: Scope, request: SessionRequest): ResolvedLine[] {
  const lines = request.lineItems.map((line, i): ResolvedLine => {
    if ('price' in line) {
      const price = purchasablePrice(state, scope, line.price, `line_items[${i}][price]`);
      const recurring = price.recurring;
      return {
        price,
        data: null,
        quantity: line.quantity,
        currency: price.currency,
        recurring: Boolean(recurring),
        interval: recurring ? `${recurring.interval_count} ${recurring.interval}` : null,
        unitAmount: price.unit_amount ?? 0,
        product: idOf(price.product),
      };
    }
    const data = line.priceData;
    if ('id' in data.product) findProduct(state, scope, data.product.id, `line_items[${i}][price_data][product]`, 400);
    return {
      price: null,
      data,
      quantity: line.quantity,
      currency: data.currency,
      recurring: data.recurring !== null,
      interval: data.recurring ? `${data.recurring.intervalCount} ${data.recurring.interval}` : null,
      unitAmount: data.unitAmount,
      product: 'id' in data.product ? data.product.id : null,
    };
  });
  const currencies = new Set(lines.map((line) => line.currency));
  if (currencies.size > 1) throw invalidParam('All line items must use the same currency.', 'line_items');
  const recurring = lines.filter((line) => line.recurring);
  if (request.mode === 'payment' && recurring.length > 0) {
    throw invalidParam('You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.', 'line_items');
  }
  if (request.mode === 'subscription' && recurring.length === 0) {
    throw invalidParam('You must provide at least one recurring price in `subscription` mode when using prices.', 'line_items');
  }
  if (new Set(recurring.map((line) => line.interval)).size > 1) {
    throw invalidParam('Checkout does not support multiple prices with different billing intervals.', 'line_items');
  }
  return lines;
}

/** Inline prices (`price_data`) are made inactive, once per session, and without events, as Stripe does. */
function priceOf(state: EmulatorState, scope: Scope, line: ResolvedLine): Stripe.Price {
  if (line.price) return line.price;
  const data = line.data as NonNullable<ResolvedLine['data']>;
  return createPrice(state, scope, { ...data, active: false, nickname: null, metadata: {} }, () => undefined);
}

export interface SessionOptions {
  /** Exclusive tax the emulator adds (Stripe Tax is not emulated, so only simulations charge tax). */
  taxRate: Stripe.TaxRate | null;
}

function lineItem(price: Stripe.Price, quantity: number, totals: LineTotals, discounts: Stripe.Discount[], taxRate: Stripe.TaxRate | null, name: string): Stripe.LineItem {
  return {
    id: newId('li'),
    object: 'item',
    adjustable_quantity: null,
    amount_discount: totals.discountTotal,
    amount_subtotal: totals.subtotal,
    amount_tax: totals.tax,
    amount_total: totals.subtotal - totals.discountTotal + totals.tax,
    currency: price.currency,
    description: name,
    discounts: totals.discounts.map(({ amount }, k) => ({ amount, discount: discounts[k] as Stripe.Discount })),
    metadata: {},
    price,
    quantity,
    taxes: taxRate ? [{ amount: totals.tax, rate: taxRate, taxability_reason: 'standard_rated', taxable_amount: totals.taxable }] : [],
  };
}

/**
 * An open Checkout Session with its amounts worked out (no event: Stripe sends none until it completes).
 * With a trial, recurring prices cost nothing today, so the session shows what its first invoice will.
 */
export function createSession(state: EmulatorState, scope: Scope, request: SessionRequest, options: SessionOptions): Stripe.Checkout.Session {
  const lines = resolveLines(state, scope, request);
  const currency = (lines[0] as ResolvedLine).currency;
  if (request.customer !== null) findCustomer(state, scope, request.customer, 'customer', 400);
  const chargeNow = (line: ResolvedLine) => (request.trialDays && line.recurring ? 0 : line.unitAmount * line.quantity);
  const purchase = { currency, customer: request.customer, subtotal: lines.reduce((acc, line) => acc + chargeNow(line), 0) };
  const redemptions = request.discounts.map((ref, i) => resolveRedemption(state, scope, ref, purchase, `discounts[${i}]`));

  const id = `cs_${scope.mode}_a1${randomString(56)}`;
  const prices = lines.map((line) => priceOf(state, scope, line));
  const discounts = redemptions.map((redemption) => createDiscount(state, scope, redemption, { checkoutSession: id, customer: request.customer }));
  const totals = computeTotals(
    lines.map((line, i) => ({ product: idOf((prices[i] as Stripe.Price).product) as string, amount: chargeNow(line) })),
    redemptions.map((redemption, k) => ({ discount: (discounts[k] as Stripe.Discount).id, coupon: redemption.coupon })),
    options.taxRate ? basisPoints(options.taxRate) : null,
  );
  const lineItems = lines.map((line, i) => {
    const price = prices[i] as Stripe.Price;
    const name = findProduct(state, scope, idOf(price.product) as string).name;
    return lineItem(price, line.quantity, totals.lines[i] as LineTotals, discounts, options.taxRate, name);
  });
  const now = state.now();
  const session: Stripe.Checkout.Session = {
    id,
    object: 'checkout.session',
    adaptive_pricing: null,
    after_expiration: null,
    allow_promotion_codes: request.allowPromotionCodes,
    allowed_payment_method_types: null,
    amount_subtotal: totals.subtotal,
    amount_total: totals.total,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: request.cancelUrl,
    client_reference_id: request.clientReferenceId,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: now,
    currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: request.customer,
    customer_account: null,
    customer_creation: request.mode === 'payment' ? (request.customerCreation ?? 'if_required') : null,
    customer_details: null,
    customer_email: request.customerEmail,
    discounts: redemptions.map((redemption) => ({ coupon: redemption.coupon.id, promotion_code: redemption.promotionCode?.id ?? null })),
    expires_at: now + SESSION_LIFETIME,
    integration_identifier: null,
    invoice: null,
    invoice_creation:
      request.mode === 'payment'
        ? {
            enabled: false,
            invoice_data: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: null, metadata: {}, rendering_options: null },
          }
        : null,
    livemode: scope.mode === 'live',
    locale: null,
    managed_payments: null,
    metadata: request.metadata,
    mode: request.mode,
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: 'always',
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ['card'],
    payment_status: 'unpaid',
    permissions: null,
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: 'open',
    submit_type: null,
    subscription: null,
    success_url: request.successUrl,
    total_details: { amount_discount: totals.discountTotal, amount_shipping: 0, amount_tax: totals.tax },
    ui_mode: 'hosted_page',
    url: `https://checkout.stripe.com/c/pay/${id}`,
    wallet_options: null,
  };
  state.store.collection(scope, 'checkout.session').insert(session);
  state.store.attach(scope, 'checkout.session', id, {
    lineItems,
    discounts: discounts.map((discount) => discount.id),
    taxRate: options.taxRate,
    trialDays: request.trialDays,
    subscriptionMetadata: request.subscriptionMetadata,
    paymentIntentMetadata: request.paymentIntentMetadata,
  });
  return session;
}

export function findSession(state: EmulatorState, scope: Scope, id: string, param = 'id', status = 404): Stripe.Checkout.Session {
  return state.store.retrieve(scope, 'checkout.session', id, param, status);
}

/** Who pays, as the Checkout page collects it; a new customer is made from it when one is needed. */
export interface Payer {
  email: string | null;
  name: string | null;
  metadata?: Record<string, string>;
}

export interface Completion {
  session: Stripe.Checkout.Session;
  customer: Stripe.Customer | null;
  paymentIntent: Stripe.PaymentIntent | null;
  charge: Stripe.Charge | null;
  invoice: Stripe.Invoice | null;
  subscription: Stripe.Subscription | null;
}

/** The customer of a completed session: the given one, a new one, or none for a guest payment. */
function payingCustomer(state: EmulatorState, scope: Scope, session: Stripe.Checkout.Session, payer: Payer, emit: Emit): Stripe.Customer | null {
  const existing = idOf(session.customer);
  if (existing !== null) return findCustomer(state, scope, existing, 'customer', 400);
  if (session.mode === 'payment' && session.customer_creation !== 'always') return null;
  return createCustomer(state, scope, { email: payer.email ?? session.customer_email, name: payer.name, description: null, phone: null, metadata: payer.metadata ?? {} }, emit);
}

/**
 * The customer pays on the Checkout page. Payment mode: `customer.created` (when a customer is made),
 * the payment's events, then `checkout.session.completed`. Subscription mode: `customer.created`, the
 * subscription and its first invoice's events, then `checkout.session.completed`. Promotion codes are
 * checked again (one may have been turned off since) and count one more redemption.
 */
export function completeSession(state: EmulatorState, scope: Scope, id: string, payer: Payer, emit: Emit): Completion {
  const open = findSession(state, scope, id, 'session', 400);
  if (open.status !== 'open') throw invalidRequest(`This Checkout Session is no longer open (status: ${open.status}).`, { param: 'session' });
  const attachment = state.store.attachment(scope, 'checkout.session', id);
  const purchase = { currency: open.currency as string, customer: idOf(open.customer), subtotal: open.amount_subtotal ?? 0 };
  const redemptions: Redemption[] = (open.discounts ?? []).map((discount, i) =>
    resolveRedemption(
      state,
      scope,
      discount.promotion_code ? { promotionCode: idOf(discount.promotion_code) as string } : { coupon: idOf(discount.coupon) as string },
      purchase,
      `discounts[${i}]`,
    ),
  );

  const customer = payingCustomer(state, scope, open, payer, emit);
  for (const redemption of redemptions) recordRedemption(state, scope, redemption);
  const discounts = attachment.discounts.map((discountId) => updateDiscount(state, scope, discountId, { customer: customer?.id ?? null }));
  const email = customer?.email ?? payer.email ?? open.customer_email;
  const name = customer?.name ?? payer.name;
  const completion: Completion = { session: open, customer, paymentIntent: null, charge: null, invoice: null, subscription: null };

  if (open.mode === 'payment' && (open.amount_total ?? 0) > 0) {
    const payment = collectPayment(
      state,
      scope,
      {
        amount: open.amount_total as number,
        currency: open.currency as string,
        customer: customer?.id ?? null,
        email,
        name,
        description: null,
        metadata: attachment.paymentIntentMetadata,
        succeeded: true,
      },
      emit,
    );
    completion.paymentIntent = payment.paymentIntent;
    completion.charge = payment.charge;
  }
  if (open.mode === 'subscription') {
    const bought = attachment.lineItems.map((item): PricedQuantity => ({ price: item.price as Stripe.Price, quantity: item.quantity ?? 1 }));
    const billing = startSubscription(
      state,
      scope,
      {
        customer: customer as Stripe.Customer,
        currency: open.currency as string,
        items: bought.filter((line) => line.price.recurring),
        oneTime: bought.filter((line) => !line.price.recurring),
        trialDays: attachment.trialDays,
        metadata: attachment.subscriptionMetadata,
        taxRate: attachment.taxRate,
        discounts,
      },
      emit,
    );
    completion.subscription = billing.subscription;
    completion.invoice = billing.invoice;
    completion.paymentIntent = billing.payment?.paymentIntent ?? null;
    completion.charge = billing.payment?.charge ?? null;
  }

  const paid = completion.invoice ? completion.invoice.amount_paid > 0 : completion.paymentIntent !== null;
  const session: Stripe.Checkout.Session = {
    ...open,
    collected_information: { business_name: null, individual_name: null, shipping_details: null },
    customer: customer?.id ?? null,
    customer_details: { address: null, business_name: null, email, individual_name: null, name, phone: null, tax_exempt: 'none', tax_ids: [] },
    // Subscription-mode sessions point at the subscription and its invoice, never at a payment intent.
    invoice: completion.invoice?.id ?? null,
    payment_intent: open.mode === 'payment' ? (completion.paymentIntent?.id ?? null) : null,
    payment_status: paid ? 'paid' : 'no_payment_required',
    status: 'complete',
    subscription: completion.subscription?.id ?? null,
    url: null,
  };
  state.store.collection(scope, 'checkout.session').replace(session);
  emit('checkout.session.completed', session);
  return { ...completion, session };
}

function lineItemsOf(state: EmulatorState, scope: Scope, id: string): Stripe.LineItem[] {
  return state.store.attachment(scope, 'checkout.session', id).lineItems;
}

/** `total_details.breakdown`: the line items' discounts and taxes added up per discount and per rate. */
function breakdown(state: EmulatorState, scope: Scope, session: Stripe.Checkout.Session): Stripe.Checkout.Session.TotalDetails.Breakdown {
  const discounts = new Map<string, number>();
  const taxes = new Map<string, { amount: number; taxable: number; rate: Stripe.TaxRate }>();
  for (const item of lineItemsOf(state, scope, session.id)) {
    for (const { amount, discount } of item.discounts ?? []) discounts.set(discount.id, (discounts.get(discount.id) ?? 0) + amount);
    for (const { amount, rate, taxable_amount: taxable } of item.taxes ?? []) {
      const sum = taxes.get(rate.id) ?? { amount: 0, taxable: 0, rate };
      taxes.set(rate.id, { amount: sum.amount + amount, taxable: sum.taxable + (taxable ?? 0), rate });
    }
  }
  return {
    discounts: [...discounts].map(([id, amount]) => ({ amount, discount: findDiscount(state, scope, id) })),
    taxes: [...taxes.values()].map(({ amount, taxable, rate }) => ({ amount, rate, taxability_reason: 'standard_rated', taxable_amount: taxable })),
  };
}

export const sessionIncludes = {
  'checkout.session': {
    line_items: includable<Stripe.Checkout.Session>({
      type: 'item',
      list: true,
      compute: (session, { state, scope }) =>
        pageOf(lineItemsOf(state, scope, session.id), { limit: EMBEDDED_LINE_ITEMS }, `/v1/checkout/sessions/${session.id}/line_items`, 'line item'),
    }),
    'total_details.breakdown': includable<Stripe.Checkout.Session>({
      type: 'checkout.session.breakdown',
      compute: (session, { state, scope }) => breakdown(state, scope, session),
    }),
  },
};

export const checkoutSessionRoutes = [
  defineRoute({
    method: 'POST',
    path: '/v1/checkout/sessions',
    accepts: [
      'mode',
      'line_items',
      'customer',
      'customer_email',
      'customer_creation',
      'client_reference_id',
      'metadata',
      'discounts',
      'allow_promotion_codes',
      'subscription_data',
      'payment_intent_data',
      'success_url',
      'cancel_url',
    ],
    returns: { type: 'checkout.session' },
    parse: parseSessionRequest,
    run: (request, ctx) => createSession(ctx.state, ctx.scope, request, { taxRate: null }),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/checkout/sessions/:id',
    accepts: [],
    returns: { type: 'checkout.session' },
    parse: () => undefined,
    run: (_input, ctx) => findSession(ctx.state, ctx.scope, ctx.path.id as string),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/checkout/sessions/:id/line_items',
    accepts: ['limit', 'starting_after', 'ending_before'],
    returns: { type: 'item', list: true },
    parse: readListParams,
    run: (list, ctx) => {
      const session = findSession(ctx.state, ctx.scope, ctx.path.id as string);
      return pageOf(lineItemsOf(ctx.state, ctx.scope, session.id), list, ctx.url, 'line item');
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/checkout/sessions',
    accepts: ['limit', 'starting_after', 'ending_before', 'created', 'customer', 'payment_intent', 'subscription', 'status'],
    returns: { type: 'checkout.session', list: true },
    parse: (params) => ({
      list: readListParams(params),
      created: params.range('created'),
      customer: params.string('customer'),
      paymentIntent: params.string('payment_intent'),
      subscription: params.string('subscription'),
      status: params.enumeration('status', ['complete', 'expired', 'open'] as const),
    }),
    run: (input, ctx) =>
      listObjects('checkout.session', ctx.state.store.collection(ctx.scope, 'checkout.session'), input.list, ctx.url, {
        ...(input.paymentIntent !== undefined
          ? { index: { name: 'payment_intent', value: input.paymentIntent } }
          : input.subscription !== undefined
            ? { index: { name: 'subscription', value: input.subscription } }
            : input.customer !== undefined
              ? { index: { name: 'customer', value: input.customer } }
              : {}),
        filter: (session) =>
          inRange(session.created, input.created) &&
          (input.customer === undefined || session.customer === input.customer) &&
          (input.status === undefined || session.status === input.status),
      }),
  }),
];
