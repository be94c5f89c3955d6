import type Stripe from 'stripe';
import { recordPurchase } from '../../ledger/apply';
import {
  checkoutEvidence,
  checkoutFacts,
  customerEvidence,
  invoiceCustomerId,
  invoiceEvidence,
  invoiceFacts,
  invoiceSchema,
  invoiceSubscriptionId,
  parse,
} from '../../ledger/stripe-objects';
import { allInvoiceLines, invoiceWithDetails, sessionOfSubscription } from '../../ledger/stripe-reads';
import type { EventHandler } from '../types';

/**
 * A paid invoice is a purchase: a subscription's first invoice, a renewal, or an invoiced one-off.
 * One Stripe call: the subscription's Checkout Session for a first invoice (its client_reference_id
 * and metadata attribute the customer, so the sale is credited when it is first recorded), or the
 * invoice with its customer and promotion codes expanded.
 */
export const invoicePaid: EventHandler<Stripe.InvoicePaidEvent> = async (event, context) => {
  const payload = parse(invoiceSchema, event.data.object, 'invoice');
  const customerId = invoiceCustomerId(payload);
  if (!customerId) return 'ignored: an invoice without a customer';
  const stripe = { mode: context.mode, accountId: context.accountId };
  const subscriptionId = invoiceSubscriptionId(payload);
  const session = payload.billing_reason === 'subscription_create' && subscriptionId ? await sessionOfSubscription(stripe, subscriptionId) : null;
  const invoice = session ? payload : await invoiceWithDetails(stripe, payload.id);
  const observedAt = new Date(event.created * 1000).toISOString();
  const facts = invoiceFacts(invoice, await allInvoiceLines(stripe, invoice), observedAt);

  return recordPurchase(context, {
    bookId: customerId,
    customerId,
    purchaseKey: invoice.id,
    facts: { kind: 'invoice', invoice: facts, ...(session ? { checkout: checkoutFacts(session, null, observedAt) } : {}) },
    evidence: {
      invoice: invoiceEvidence(invoice),
      ...(session ? { checkout: checkoutEvidence(session) } : {}),
      customer: customerEvidence(session ? session.customer : invoice.customer) ?? {},
    },
    observedAt,
    references: [],
    ...(subscriptionId ? { subscription: { id: subscriptionId, startedAt: facts.since } } : {}),
    summary: `invoice ${invoice.id} paid`,
  });
};
