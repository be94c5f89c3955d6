import type Stripe from 'stripe';
import { recordPurchase } from '../../ledger/apply';
import {
  chargeCustomerId,
  chargeEvidence,
  chargeFacts,
  chargeSchema,
  checkoutEvidence,
  checkoutFacts,
  checkoutLines,
  customerEvidence,
  parse,
  paymentReference,
} from '../../ledger/stripe-objects';
import { allSessionLines, invoiceOfPayment, sessionOfPayment } from '../../ledger/stripe-reads';
import type { EventHandler } from '../types';

/**
 * A successful charge. A payment of an invoice is that invoice's purchase (`invoice.paid` records
 * it; the charge only ties its payment references to it, so refunds and disputes find it), which
 * the InvoicePayment tells: charges have no `invoice` field in this API version. Any other payment
 * is a purchase of its own, keyed by its payment intent: with its Checkout Session's lines and
 * evidence when it came through Checkout (so the sale is credited when first recorded), else as
 * one line of the charged amount. Invoice payments make one Stripe call, others two.
 */
export const chargeSucceeded: EventHandler<Stripe.ChargeSucceededEvent> = async (event, context) => {
  const charge = parse(chargeSchema, event.data.object, 'charge');
  const stripe = { mode: context.mode, accountId: context.accountId };
  const paymentIntentId = charge.payment_intent ?? null;
  const references = [paymentReference(paymentIntentId, charge.id)];
  const customerId = chargeCustomerId(charge);
  const observedAt = new Date(event.created * 1000).toISOString();
  const facts = chargeFacts(charge, observedAt);

  const invoiceId = paymentIntentId ? await invoiceOfPayment(stripe, paymentIntentId) : null;
  if (invoiceId) {
    if (!customerId) return `ignored: the invoice payment ${charge.id} names no customer`;
    return recordPurchase(context, {
      bookId: customerId,
      customerId,
      purchaseKey: invoiceId,
      facts: { kind: 'invoice', charge: facts },
      observedAt,
      references,
      summary: `charge ${charge.id} paid invoice ${invoiceId}`,
    });
  }
  const session = paymentIntentId ? await sessionOfPayment(stripe, paymentIntentId) : null;
  const purchaseKey = paymentIntentId ?? charge.id;
  return recordPurchase(context, {
    bookId: customerId ?? `guest:${purchaseKey}`,
    customerId,
    purchaseKey,
    facts: {
      kind: 'payment',
      charge: facts,
      ...(session ? { checkout: checkoutFacts(session, checkoutLines(await allSessionLines(stripe, session)), observedAt) } : {}),
    },
    evidence: {
      charge: chargeEvidence(charge),
      ...(session ? { checkout: checkoutEvidence(session), customer: customerEvidence(session.customer) ?? {} } : {}),
    },
    observedAt,
    references,
    summary: `charge ${charge.id} succeeded`,
  });
};
