import type Stripe from 'stripe';
import { recordPurchase } from '../../ledger/apply';
import { checkoutEvidence, checkoutFacts, checkoutLines, checkoutSessionSchema, customerEvidence, parse, sessionCustomerId } from '../../ledger/stripe-objects';
import { allSessionLines, sessionWithDetails } from '../../ledger/stripe-reads';
import type { EventHandler } from '../types';

/**
 * A completed Checkout: the attribution evidence of the purchase (metadata, client_reference_id,
 * promotion code) and, for a one-off payment, its line items. A subscription's purchase is its
 * first invoice; a payment's is its payment intent (the session itself when nothing was charged).
 * One Stripe call: the session with its line items, customer and promotion codes.
 */
export const checkoutSessionCompleted: EventHandler<Stripe.CheckoutSessionCompletedEvent> = async (event, context) => {
  const payload = parse(checkoutSessionSchema, event.data.object, 'checkout session');
  if (payload.mode === 'setup') return 'ignored: a setup session takes no payment';
  if (payload.mode === 'subscription' && !payload.invoice) return 'ignored: the subscription session has no invoice yet';
  const stripe = { mode: context.mode, accountId: context.accountId };
  const session = await sessionWithDetails(stripe, payload.id);
  const observedAt = new Date(event.created * 1000).toISOString();
  const customerId = sessionCustomerId(session);
  const evidence = { checkout: checkoutEvidence(session), customer: customerEvidence(session.customer) ?? {} };

  if (session.mode === 'subscription') {
    const invoiceId = payload.invoice as string;
    if (!customerId) return 'ignored: a subscription session without a customer';
    return recordPurchase(context, {
      bookId: customerId,
      customerId,
      purchaseKey: invoiceId,
      facts: { kind: 'invoice', checkout: checkoutFacts(session, null, observedAt) },
      evidence,
      observedAt,
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
    facts: { kind: 'payment', checkout: checkoutFacts(session, checkoutLines(await allSessionLines(stripe, session)), observedAt) },
    evidence,
    observedAt,
    references: paymentIntentId ? [paymentIntentId] : [],
    summary: `checkout ${session.id} completed`,
  });
};
