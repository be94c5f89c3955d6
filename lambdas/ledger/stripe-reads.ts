import type Stripe from 'stripe';
import type { Mode } from '../core/mode';
import { stripeFor } from '../stripe/client';
import { accountTurn } from '../stripe/pace';
import {
  checkoutLineSchema,
  checkoutSessionSchema,
  invoiceLineSchema,
  invoiceSchema,
  parse,
  type StripeCheckoutLine,
  type StripeCheckoutSession,
  type StripeInvoice,
  type StripeInvoiceLine,
} from './stripe-objects';

/**
 * The few things a purchase event does not carry, read from the merchant's account: a purchase
 * event makes one call (more only for lists longer than a page). Stripe's errors go up as they
 * are: the intake turns a 429 or an outage into a status that makes Stripe deliver again.
 */

export interface StripeScope {
  mode: Mode;
  accountId: string;
}

const pageSize = 100;
const onAccount = (scope: StripeScope): Stripe.RequestOptions => ({ stripeAccount: scope.accountId });

/** The client for a call on the account, once it is this call's turn (history jobs pace their calls). */
const clientFor = async (scope: StripeScope): Promise<Stripe> => {
  await accountTurn(scope);
  return stripeFor(scope.mode);
};

/** What a purchase needs expanded: the customer (metadata, e-mail) and its promotion codes. */
const purchaseExpansions = ['customer', 'discounts.promotion_code'];

/** An invoice with its customer and promotion codes (the event has only their IDs). */
export const invoiceWithDetails = async (scope: StripeScope, invoiceId: string): Promise<StripeInvoice> => {
  const stripe = await clientFor(scope);
  return parse(invoiceSchema, await stripe.invoices.retrieve(invoiceId, { expand: purchaseExpansions }, onAccount(scope)), 'invoice');
};

/** The Checkout Session that started a subscription, if one did (its metadata and client_reference_id attribute it). */
export const sessionOfSubscription = async (scope: StripeScope, subscriptionId: string): Promise<StripeCheckoutSession | null> => {
  const stripe = await clientFor(scope);
  const sessions = await stripe.checkout.sessions.list(
    { subscription: subscriptionId, limit: 1, expand: purchaseExpansions.map((path) => `data.${path}`) },
    onAccount(scope),
  );
  const session = sessions.data[0];
  return session ? parse(checkoutSessionSchema, session, 'checkout session') : null;
};

/** The Checkout Session a one-off payment came through, if any, with its first page of line items. */
export const sessionOfPayment = async (scope: StripeScope, paymentIntentId: string): Promise<StripeCheckoutSession | null> => {
  const stripe = await clientFor(scope);
  const sessions = await stripe.checkout.sessions.list(
    { payment_intent: paymentIntentId, limit: 1, expand: ['line_items', ...purchaseExpansions].map((path) => `data.${path}`) },
    onAccount(scope),
  );
  const session = sessions.data[0];
  return session ? parse(checkoutSessionSchema, session, 'checkout session') : null;
};

/** A session with its first page of line items, customer and promotion codes. */
export const sessionWithDetails = async (scope: StripeScope, sessionId: string): Promise<StripeCheckoutSession> => {
  const stripe = await clientFor(scope);
  const session = await stripe.checkout.sessions.retrieve(sessionId, { expand: ['line_items', ...purchaseExpansions] }, onAccount(scope));
  return parse(checkoutSessionSchema, session, 'checkout session');
};

/** Every line of a session: the embedded first page, then the rest page by page (never only 10). */
export const allSessionLines = async (scope: StripeScope, session: StripeCheckoutSession): Promise<StripeCheckoutLine[]> => {
  const lines = [...(session.line_items?.data ?? [])];
  if (session.line_items && !session.line_items.has_more) return lines;
  const stripe = await clientFor(scope);
  const after = lines.at(-1)?.id;
  const rest = stripe.checkout.sessions.listLineItems(session.id, { limit: pageSize, ...(after ? { starting_after: after } : {}) }, onAccount(scope));
  for await (const line of rest) lines.push(parse(checkoutLineSchema, line, 'checkout line item'));
  return lines;
};

/** Every line of an invoice: the event embeds the first ten, and `has_more` says there are others. */
export const allInvoiceLines = async (scope: StripeScope, invoice: StripeInvoice): Promise<StripeInvoiceLine[]> => {
  const lines = [...invoice.lines.data];
  if (!invoice.lines.has_more) return lines;
  const stripe = await clientFor(scope);
  const after = lines.at(-1)?.id;
  const rest = stripe.invoices.listLineItems(invoice.id, { limit: pageSize, ...(after ? { starting_after: after } : {}) }, onAccount(scope));
  for await (const line of rest) lines.push(parse(invoiceLineSchema, line, 'invoice line'));
  return lines;
};

/**
 * The invoice a payment intent pays, if any. In this API version charges and payment intents have
 * no `invoice` field: the InvoicePayment is the only link.
 */
export const invoiceOfPayment = async (scope: StripeScope, paymentIntentId: string): Promise<string | null> => {
  const stripe = await clientFor(scope);
  const payments = await stripe.invoicePayments.list({ payment: { type: 'payment_intent', payment_intent: paymentIntentId }, limit: 1 }, onAccount(scope));
  const invoice = payments.data[0]?.invoice;
  return invoice ? (typeof invoice === 'string' ? invoice : invoice.id) : null;
};

/** Every refund of a charge: `charge.refunded` carries the refunded total, not which refunds make it. */
export const refundsOfCharge = async (scope: StripeScope, chargeId: string): Promise<Stripe.Refund[]> => {
  const stripe = await clientFor(scope);
  const refunds: Stripe.Refund[] = [];
  for await (const refund of stripe.refunds.list({ charge: chargeId, limit: pageSize }, onAccount(scope))) refunds.push(refund);
  return refunds;
};
