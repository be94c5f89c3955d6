import * as z from 'zod';
import { affiliateMetadataKey } from '../attribution/attribution';
import { ValidationError } from '../core/errors';
import { currencySchema, minorUnitsSchema } from '../core/money';
import { zodIssues } from '../core/validation';
import { allocate, proportion } from './arithmetic';
import type {
  ChargeFacts,
  CheckoutFacts,
  DisputeFact,
  DisputeOutcome,
  Evidence,
  InvoiceFacts,
  PeriodFacts,
  PurchaseLine,
  RefundFact,
  RefundStatus,
  SubscriptionFacts,
} from './book';

/**
 * The parts of Stripe objects (API 2026-10-28.endive) the ledger reads, checked with zod at the
 * boundary, and the pure functions that turn them into facts. A payload without what the ledger
 * needs is refused as a whole (400, nothing stored) rather than recorded half-understood.
 */

const id = (prefix: string) => z.string().startsWith(prefix).max(255);
const amount = minorUnitsSchema;
const currency = currencySchema;
const timestamp = z.int().min(0);
/** An expandable field: the ID, or the object when it was expanded. */
const ref = (prefix: string) => z.union([id(prefix), z.looseObject({ id: id(prefix) })]).transform((value) => (typeof value === 'string' ? value : value.id));
const metadata = z.record(z.string(), z.string()).nullish();

/** Only the metadata attribution reads (SPEC section 3) goes into the book. */
const attributionMetadata = (values: Record<string, string> | null | undefined): Record<string, string> | undefined => {
  const value = values?.[affiliateMetadataKey];
  return value ? { [affiliateMetadataKey]: value } : undefined;
};

const customerObject = z.looseObject({ id: id('cus_'), email: z.string().nullish(), metadata, deleted: z.boolean().optional(), created: z.int().min(0).optional() });
const customerField = z.union([id('cus_'), customerObject]).nullish();

const promotionCodeObject = z.looseObject({ id: id('promo_'), code: z.string() });
const promotionCodeField = z.union([id('promo_'), promotionCodeObject]).nullish();
const discountObject = z.looseObject({ id: z.string(), promotion_code: promotionCodeField });

export const parse = <S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> => {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(`The ${what} in this event is not one Tally can read.`, zodIssues(result.error), 'invalid_payload');
  return result.data;
};

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

const customerIdOf = (customer: z.infer<typeof customerField>): string | null => (customer ? (typeof customer === 'string' ? customer : customer.id) : null);

/** What a customer object says for attribution (only when it was expanded, so its fields are there). */
export const customerEvidence = (customer: z.infer<typeof customerField>): Evidence | undefined => {
  if (!customer || typeof customer === 'string' || customer.deleted) return undefined;
  return {
    ...(customer.email ? { email: customer.email } : {}),
    ...withMetadata(customer.metadata),
    ...(customer.created !== undefined ? { customerCreatedAt: new Date(customer.created * 1000).toISOString() } : {}),
  };
};

const withMetadata = (values: Record<string, string> | null | undefined) => {
  const kept = attributionMetadata(values);
  return kept ? { metadata: kept } : {};
};

const promotionCodesOf = (codes: z.infer<typeof promotionCodeField>[]): { id: string; code: string }[] =>
  codes.flatMap((code) => (code && typeof code !== 'string' ? [{ id: code.id, code: code.code }] : []));

// ── Invoices ──────────────────────────────────────────────────────────────────────────────────

export const invoiceLineSchema = z.looseObject({
  id: z.string(),
  amount: z.int(),
  discount_amounts: z.array(z.looseObject({ amount })).nullish(),
  taxes: z.array(z.looseObject({ amount, tax_behavior: z.string() })).nullish(),
  pricing: z.looseObject({ price_details: z.looseObject({ product: z.string() }).nullish() }).nullish(),
  period: z.looseObject({ start: timestamp, end: timestamp }),
  parent: z.looseObject({ subscription_item_details: z.looseObject({}).nullish() }).nullish(),
});
export type StripeInvoiceLine = z.infer<typeof invoiceLineSchema>;

export const invoiceSchema = z.looseObject({
  id: id('in_'),
  customer: customerField,
  customer_email: z.string().nullish(),
  currency,
  amount_paid: amount,
  total: z.int(),
  billing_reason: z.string().nullish(),
  period_start: timestamp,
  status_transitions: z.looseObject({ paid_at: timestamp.nullish() }).nullish(),
  parent: z.looseObject({ subscription_details: z.looseObject({ subscription: ref('sub_') }).nullish() }).nullish(),
  discounts: z.array(z.union([z.string(), discountObject])).nullish(),
  lines: z.looseObject({ data: z.array(invoiceLineSchema), has_more: z.boolean() }),
});
export type StripeInvoice = z.infer<typeof invoiceSchema>;

export const invoiceCustomerId = (invoice: StripeInvoice): string | null => customerIdOf(invoice.customer);
export const invoiceSubscriptionId = (invoice: StripeInvoice): string | null => invoice.parent?.subscription_details?.subscription ?? null;

/** A line's worth, tax excluded and discounts deducted: inclusive tax is inside `amount`, exclusive tax is not. */
const netOfInvoiceLine = (line: StripeInvoiceLine): number =>
  line.amount -
  (line.discount_amounts ?? []).reduce((sum, discount) => sum + discount.amount, 0) -
  (line.taxes ?? []).filter((tax) => tax.tax_behavior === 'inclusive').reduce((sum, tax) => sum + tax.amount, 0);

/**
 * The lines as paid: net of discounts and tax, and scaled (exactly, by largest remainders) when the
 * customer paid less than the invoice's total, e.g. with a credit balance.
 */
export const paidLines = (lines: readonly StripeInvoiceLine[], paid: number, total: number): PurchaseLine[] => {
  const net = lines.map((line) => ({ productId: line.pricing?.price_details?.product ?? null, amount: netOfInvoiceLine(line) }));
  if (paid === total) return net;
  if (paid <= 0 || total <= 0) return net.map((line) => ({ ...line, amount: 0 }));
  const paidNet = proportion(net.reduce((sum, line) => sum + line.amount, 0), paid, total);
  const scaled = allocate(paidNet, net.map((line) => Math.max(line.amount, 0)));
  return net.map((line, index) => ({ ...line, amount: scaled[index] as number }));
};

export const invoiceFacts = (invoice: StripeInvoice, lines: readonly StripeInvoiceLine[], observedAt: string): InvoiceFacts => {
  const paidAt = invoice.status_transitions?.paid_at ? iso(invoice.status_transitions.paid_at) : observedAt;
  const subscriptionId = invoiceSubscriptionId(invoice);
  // A subscription's first invoice speaks for the subscription from its start (its lines' period).
  const starts = [invoice.period_start, ...lines.filter((line) => line.parent?.subscription_item_details).map((line) => line.period.start)];
  const since = invoice.billing_reason === 'subscription_create' ? iso(Math.min(...starts)) : paidAt;
  return {
    invoiceId: invoice.id,
    currency: invoice.currency,
    paid: invoice.amount_paid,
    lines: paidLines(lines, invoice.amount_paid, invoice.total),
    paidAt,
    since: since < paidAt ? since : paidAt,
    subscriptionId,
    observedAt,
  };
};

export const invoiceEvidence = (invoice: StripeInvoice): Evidence => ({
  ...(invoice.customer_email ? { email: invoice.customer_email } : {}),
  promotionCodes: promotionCodesOf((invoice.discounts ?? []).map((discount) => (typeof discount === 'string' ? null : discount.promotion_code))),
});

// ── Checkout Sessions ─────────────────────────────────────────────────────────────────────────

export const checkoutLineSchema = z.looseObject({
  id: z.string(),
  amount_total: amount,
  amount_tax: amount.nullish(),
  price: z.looseObject({ product: ref('prod_').nullish() }).nullish(),
});
export type StripeCheckoutLine = z.infer<typeof checkoutLineSchema>;

export const checkoutSessionSchema = z.looseObject({
  id: id('cs_'),
  mode: z.enum(['payment', 'subscription', 'setup']),
  status: z.string().nullish(),
  customer: customerField,
  customer_details: z.looseObject({ email: z.string().nullish() }).nullish(),
  customer_email: z.string().nullish(),
  client_reference_id: z.string().nullish(),
  metadata,
  currency: currency.nullish(),
  amount_total: amount.nullish(),
  created: timestamp,
  payment_intent: ref('pi_').nullish(),
  invoice: ref('in_').nullish(),
  subscription: ref('sub_').nullish(),
  discounts: z.array(z.looseObject({ promotion_code: promotionCodeField })).nullish(),
  line_items: z.looseObject({ data: z.array(checkoutLineSchema), has_more: z.boolean() }).nullish(),
});
export type StripeCheckoutSession = z.infer<typeof checkoutSessionSchema>;

export const sessionCustomerId = (session: StripeCheckoutSession): string | null => customerIdOf(session.customer);

/** A Checkout line's worth: what it charged less its tax (inclusive or exclusive alike). */
export const checkoutLines = (lines: readonly StripeCheckoutLine[]): PurchaseLine[] =>
  lines.map((line) => ({ productId: line.price?.product ?? null, amount: line.amount_total - (line.amount_tax ?? 0) }));

export const checkoutFacts = (session: StripeCheckoutSession, lines: PurchaseLine[] | null, observedAt: string): CheckoutFacts => ({
  sessionId: session.id,
  mode: session.mode === 'subscription' ? 'subscription' : 'payment',
  currency: session.currency ?? '',
  total: session.amount_total ?? 0,
  lines,
  completedAt: observedAt,
  observedAt,
});

export const checkoutEvidence = (session: StripeCheckoutSession): Evidence => ({
  ...(session.customer_details?.email || session.customer_email ? { email: (session.customer_details?.email ?? session.customer_email) as string } : {}),
  ...withMetadata(session.metadata),
  ...(session.client_reference_id ? { clientReferenceId: session.client_reference_id } : {}),
  promotionCodes: promotionCodesOf((session.discounts ?? []).map((discount) => discount.promotion_code)),
});

// ── Charges, refunds, disputes ───────────────────────────────────────────────────────────────

/**
 * The one reference the ledger keeps for a payment: its payment intent, which its charge, refunds
 * and disputes all name; a charge made without one (the legacy Charges API) stands for itself.
 */
export const paymentReference = (paymentIntentId: string | null | undefined, chargeId: string): string => paymentIntentId ?? chargeId;

export const chargeSchema = z.looseObject({
  id: id('ch_'),
  amount,
  currency,
  created: timestamp,
  customer: customerField,
  payment_intent: ref('pi_').nullish(),
  billing_details: z.looseObject({ email: z.string().nullish() }).nullish(),
  metadata,
});
export type StripeCharge = z.infer<typeof chargeSchema>;

export const chargeCustomerId = (charge: StripeCharge): string | null => customerIdOf(charge.customer);

export const chargeFacts = (charge: StripeCharge, observedAt: string): ChargeFacts => ({
  chargeId: charge.id,
  paymentIntentId: charge.payment_intent ?? null,
  amount: charge.amount,
  currency: charge.currency,
  createdAt: iso(charge.created),
  observedAt,
});

export const chargeEvidence = (charge: StripeCharge): Evidence => ({
  ...(charge.billing_details?.email ? { email: charge.billing_details.email } : {}),
  ...withMetadata(charge.metadata),
});

const refundStatuses = ['pending', 'requires_action', 'succeeded', 'failed', 'canceled'] as const;
export const refundSchema = z.looseObject({
  id: id('re_'),
  amount,
  currency,
  created: timestamp,
  status: z.enum(refundStatuses),
  charge: ref('ch_').nullish(),
  payment_intent: ref('pi_').nullish(),
  customer: customerField,
});
export type StripeRefund = z.infer<typeof refundSchema>;

export const refundFact = (refund: StripeRefund, observedAt: string): RefundFact => ({
  amount: refund.amount,
  status: refund.status as RefundStatus,
  createdAt: iso(refund.created),
  ...(refund.status === 'failed' || refund.status === 'canceled' ? { endedAt: observedAt } : {}),
  observedAt,
});

export const disputeSchema = z.looseObject({
  id: id('du_').or(id('dp_')),
  amount,
  currency,
  created: timestamp,
  status: z.string(),
  charge: ref('ch_'),
  payment_intent: ref('pi_').nullish(),
});
export type StripeDispute = z.infer<typeof disputeSchema>;

/** Inquiries closed without a chargeback (`warning_closed`) and prevented ones release like a win. */
const disputeOutcome = (status: string): DisputeOutcome =>
  status === 'lost' ? 'lost' : status === 'won' || status === 'warning_closed' || status === 'prevented' ? 'won' : 'open';

export const disputeFact = (dispute: StripeDispute, observedAt: string): DisputeFact => {
  const outcome = disputeOutcome(dispute.status);
  return { amount: dispute.amount, outcome, openedAt: iso(dispute.created), ...(outcome === 'open' ? {} : { closedAt: observedAt }), observedAt };
};

// ── Subscriptions ─────────────────────────────────────────────────────────────────────────────

export const subscriptionSchema = z.looseObject({
  id: id('sub_'),
  customer: customerField,
  currency,
  start_date: timestamp,
  trial_end: timestamp.nullish(),
  ended_at: timestamp.nullish(),
  cancel_at: timestamp.nullish(),
  items: z.looseObject({
    data: z
      .array(
        z.looseObject({
          quantity: z.int().min(0).nullish(),
          current_period_start: timestamp,
          current_period_end: timestamp,
          price: z.looseObject({ product: ref('prod_'), unit_amount: amount.nullish() }),
        }),
      )
      .min(1),
  }),
});
export type StripeSubscription = z.infer<typeof subscriptionSchema>;

export const subscriptionCustomerId = (subscription: StripeSubscription): string | null => customerIdOf(subscription.customer);

/** The subscription's dates; how it is tracked is the book's to decide (when it first hears of it). */
export const subscriptionFacts = (subscription: StripeSubscription, observedAt: string): Omit<SubscriptionFacts, 'trackedBy'> => ({
  startedAt: iso(subscription.start_date),
  trialEndsAt: subscription.trial_end ? iso(subscription.trial_end) : null,
  endedAt: subscription.ended_at ? iso(subscription.ended_at) : null,
  cancelAt: subscription.cancel_at ? iso(subscription.cancel_at) : null,
  observedAt,
});

/** The billing period the subscription is in, at its price (items' unit amount × quantity). */
export const currentPeriod = (subscription: StripeSubscription, observedAt: string): PeriodFacts => {
  const items = subscription.items.data;
  const first = items[0] as (typeof items)[number];
  return {
    subscriptionId: subscription.id,
    startsAt: iso(first.current_period_start),
    endsAt: iso(first.current_period_end),
    currency: subscription.currency,
    lines: items.map((item) => ({ productId: item.price.product, amount: (item.price.unit_amount ?? 0) * (item.quantity ?? 1) })),
    observedAt,
  };
};
