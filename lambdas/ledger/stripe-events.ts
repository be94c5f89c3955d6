import type Stripe from 'stripe';
import type { EventContext } from '../webhooks/types';
import { type PurchaseEvent, recordPaymentChange, recordPurchase, recordSubscription } from './apply';
import {
  chargeCustomerId,
  chargeEvidence,
  chargeFacts,
  chargeSchema,
  checkoutEvidence,
  checkoutFacts,
  checkoutLines,
  checkoutSessionSchema,
  currentPeriod,
  customerEvidence,
  disputeFact,
  disputeSchema,
  invoiceCustomerId,
  invoiceEvidence,
  invoiceFacts,
  invoiceSchema,
  invoiceSubscriptionId,
  parse,
  paymentReference,
  refundFact,
  refundSchema,
  sessionCustomerId,
  subscriptionCustomerId,
  subscriptionFacts,
  subscriptionSchema,
  type StripeCheckoutSession,
  type StripeInvoice,
  type StripeInvoiceLine,
} from './stripe-objects';
import {
  allInvoiceLines,
  allSessionLines,
  invoiceOfPayment,
  invoiceWithDetails,
  refundsOfCharge,
  sessionOfPayment,
  sessionOfSubscription,
  sessionWithDetails,
} from './stripe-reads';

/**
 * The Stripe events the ledger takes in, one function per kind: each turns the event's object (and
 * the few things the event does not carry, read from the merchant's account) into facts, and hands
 * them to the ledger (apply.ts). The event's context doubles as the Stripe scope of those reads.
 */

type Context = Pick<EventContext, 'merchantId' | 'mode' | 'accountId' | 'transaction' | 'read'>;

/** When Stripe sent the event: facts are weighed against other reports of the same object by it. */
const observedAt = (event: Stripe.Event): string => new Date(event.created * 1000).toISOString();

// ── Purchases ────────────────────────────────────────────────────────────────────────────────

/**
 * A paid invoice is a purchase: a subscription's first invoice, a renewal, or an invoiced one-off.
 * One Stripe call: the subscription's Checkout Session for a first invoice (its client_reference_id
 * and metadata attribute the customer, so the sale is credited when it is first recorded), or the
 * invoice with its customer and promotion codes expanded.
 */
export const invoicePaid = async (context: Context, event: Stripe.InvoicePaidEvent): Promise<string> => {
  const payload = parse(invoiceSchema, event.data.object, 'invoice');
  const customerId = invoiceCustomerId(payload);
  if (!customerId) return 'ignored: an invoice without a customer';
  const subscriptionId = invoiceSubscriptionId(payload);
  const session = payload.billing_reason === 'subscription_create' && subscriptionId ? await sessionOfSubscription(context, subscriptionId) : null;
  const invoice = session ? payload : await invoiceWithDetails(context, payload.id);
  return recordPurchase(context, paidInvoicePurchase(invoice, await allInvoiceLines(context, invoice), session, observedAt(event)));
};

/**
 * A paid invoice (with all its lines, and the Checkout Session that started its subscription, if
 * any) as the purchase event the ledger records: pure, so history imports and tests build the same.
 */
export const paidInvoicePurchase = (invoice: StripeInvoice, lines: readonly StripeInvoiceLine[], session: StripeCheckoutSession | null, observed: string): PurchaseEvent => {
  const customerId = invoiceCustomerId(invoice) as string;
  const subscriptionId = invoiceSubscriptionId(invoice);
  const facts = invoiceFacts(invoice, lines, observed);
  return {
    bookId: customerId,
    customerId,
    purchaseKey: invoice.id,
    facts: { kind: 'invoice', invoice: facts, ...(session ? { checkout: checkoutFacts(session, null, observed) } : {}) },
    evidence: {
      invoice: invoiceEvidence(invoice),
      ...(session ? { checkout: checkoutEvidence(session) } : {}),
      customer: customerEvidence(session ? session.customer : invoice.customer) ?? {},
    },
    observedAt: observed,
    references: [],
    ...(subscriptionId ? { subscription: { id: subscriptionId, startedAt: facts.since } } : {}),
    summary: `invoice ${invoice.id} paid`,
  };
};

/**
 * A completed Checkout: the attribution evidence of the purchase (metadata, client_reference_id,
 * promotion code) and, for a one-off payment, its line items. A subscription's purchase is its
 * first invoice; a payment's is its payment intent (the session itself when nothing was charged).
 * One Stripe call: the session with its line items, customer and promotion codes.
 */
export const checkoutSessionCompleted = async (context: Context, event: Stripe.CheckoutSessionCompletedEvent): Promise<string> => {
  const payload = parse(checkoutSessionSchema, event.data.object, 'checkout session');
  if (payload.mode === 'setup') return 'ignored: a setup session takes no payment';
  if (payload.mode === 'subscription' && !payload.invoice) return 'ignored: the subscription session has no invoice yet';
  const session = await sessionWithDetails(context, payload.id);
  const observed = observedAt(event);
  const customerId = sessionCustomerId(session);
  const evidence = { checkout: checkoutEvidence(session), customer: customerEvidence(session.customer) ?? {} };

  if (session.mode === 'subscription') {
    const invoiceId = payload.invoice as string;
    if (!customerId) return 'ignored: a subscription session without a customer';
    return recordPurchase(context, {
      bookId: customerId,
      customerId,
      purchaseKey: invoiceId,
      facts: { kind: 'invoice', checkout: checkoutFacts(session, null, observed) },
      evidence,
      observedAt: observed,
      references: [],
      summary: `checkout ${session.id} completed (invoice ${invoiceId})`,
    });
  }
  const paymentIntentId = session.payment_intent ?? null;
  const purchaseKey = paymentIntentId ?? session.id;
  return recordPurchase(context, {
    bookId: customerId ?? `guest:${purchaseKey}`,
    customerId,
    purchaseKey,
    facts: { kind: 'payment', checkout: checkoutFacts(session, checkoutLines(await allSessionLines(context, session)), observed) },
    evidence,
    observedAt: observed,
    references: paymentIntentId ? [paymentIntentId] : [],
    summary: `checkout ${session.id} completed`,
  });
};

/**
 * A successful charge. A payment of an invoice is that invoice's purchase (`invoice.paid` records
 * it; the charge only ties its payment references to it, so refunds and disputes find it), which
 * the InvoicePayment tells: charges have no `invoice` field in this API version. Any other payment
 * is a purchase of its own, keyed by its payment intent: with its Checkout Session's lines and
 * evidence when it came through Checkout (so the sale is credited when first recorded), else as
 * one line of the charged amount. Invoice payments make one Stripe call, others two.
 */
export const chargeSucceeded = async (context: Context, event: Stripe.ChargeSucceededEvent): Promise<string> => {
  const charge = parse(chargeSchema, event.data.object, 'charge');
  const paymentIntentId = charge.payment_intent ?? null;
  const references = [paymentReference(paymentIntentId, charge.id)];
  const customerId = chargeCustomerId(charge);
  const observed = observedAt(event);
  const facts = chargeFacts(charge, observed);

  const invoiceId = paymentIntentId ? await invoiceOfPayment(context, paymentIntentId) : null;
  if (invoiceId) {
    if (!customerId) return `ignored: the invoice payment ${charge.id} names no customer`;
    return recordPurchase(context, {
      bookId: customerId,
      customerId,
      purchaseKey: invoiceId,
      facts: { kind: 'invoice', charge: facts },
      observedAt: observed,
      references,
      summary: `charge ${charge.id} paid invoice ${invoiceId}`,
    });
  }
  const session = paymentIntentId ? await sessionOfPayment(context, paymentIntentId) : null;
  const purchaseKey = paymentIntentId ?? charge.id;
  return recordPurchase(context, {
    bookId: customerId ?? `guest:${purchaseKey}`,
    customerId,
    purchaseKey,
    facts: {
      kind: 'payment',
      charge: facts,
      ...(session ? { checkout: checkoutFacts(session, checkoutLines(await allSessionLines(context, session)), observed) } : {}),
    },
    evidence: {
      charge: chargeEvidence(charge),
      ...(session ? { checkout: checkoutEvidence(session), customer: customerEvidence(session.customer) ?? {} } : {}),
    },
    observedAt: observed,
    references,
    summary: `charge ${charge.id} succeeded`,
  });
};

// ── Refunds and disputes ─────────────────────────────────────────────────────────────────────
// Stripe reports each more than once (`refund.created` then `refund.updated`; a dispute opened,
// then closed): the facts are keyed by the refund's or dispute's ID, so each report refines one fact.

/**
 * A charge was refunded. The event carries the refunded total, not the refunds that make it up,
 * so the refunds are read (one Stripe call) and merged by ID with what `refund.created` and
 * `refund.updated` report: whichever arrives first, each refund counts once.
 */
export const chargeRefunded = async (context: Context, event: Stripe.ChargeRefundedEvent): Promise<string> => {
  const charge = parse(chargeSchema, event.data.object, 'charge');
  const observed = observedAt(event);
  const refunds = (await refundsOfCharge(context, charge.id)).map((refund) => parse(refundSchema, refund, 'refund'));
  return recordPaymentChange(context, {
    reference: paymentReference(charge.payment_intent, charge.id),
    customerId: chargeCustomerId(charge),
    refunds: Object.fromEntries(refunds.map((refund) => [refund.id, refundFact(refund, observed)])),
    summary: `charge ${charge.id} refunded (${refunds.length} refund(s))`,
  });
};

/** A refund made or settled (`refund.created`, `refund.updated`): the commission loses, or gets back, the refund's share. */
export const refundChanged = async (context: Context, event: Stripe.RefundCreatedEvent | Stripe.RefundUpdatedEvent): Promise<string> => {
  const refund = parse(refundSchema, event.data.object, 'refund');
  if (!refund.charge) return `ignored: refund ${refund.id} is not of a charge (no payment to reduce)`;
  const customerId = typeof refund.customer === 'string' ? refund.customer : (refund.customer?.id ?? null);
  return recordPaymentChange(context, {
    reference: paymentReference(refund.payment_intent, refund.charge),
    customerId,
    refunds: { [refund.id]: refundFact(refund, observedAt(event)) },
    summary: `refund ${refund.id} (${refund.status})`,
  });
};

/** A dispute opened or decided (`charge.dispute.created`, `charge.dispute.closed`): held, then reversed or released. */
export const disputeChanged = async (context: Context, event: Stripe.ChargeDisputeCreatedEvent | Stripe.ChargeDisputeClosedEvent): Promise<string> => {
  const dispute = parse(disputeSchema, event.data.object, 'dispute');
  const fact = disputeFact(dispute, observedAt(event));
  return recordPaymentChange(context, {
    reference: paymentReference(dispute.payment_intent, dispute.charge),
    customerId: null,
    disputes: { [dispute.id]: fact },
    summary: `dispute ${dispute.id} (${fact.outcome})`,
  });
};

// ── Subscriptions ────────────────────────────────────────────────────────────────────────────

type CustomerSubscriptionEvent = Stripe.CustomerSubscriptionCreatedEvent | Stripe.CustomerSubscriptionUpdatedEvent | Stripe.CustomerSubscriptionDeletedEvent;

/**
 * A `customer.subscription.*` event: the subscription's dates (start, trial, scheduled and actual
 * end) and the billing period it is in. No Stripe call: the event carries all of it.
 */
export const subscriptionChanged = async (context: Context, event: CustomerSubscriptionEvent): Promise<string> => {
  const subscription = parse(subscriptionSchema, event.data.object, 'subscription');
  const customerId = subscriptionCustomerId(subscription);
  if (!customerId) return `ignored: subscription ${subscription.id} names no customer`;
  const observed = observedAt(event);
  const facts = subscriptionFacts(subscription, observed);
  return recordSubscription(context, {
    customerId,
    subscriptionId: subscription.id,
    facts,
    period: currentPeriod(subscription, observed),
    summary: `subscription ${subscription.id} ${facts.endedAt ? 'ended' : 'updated'}`,
  });
};
