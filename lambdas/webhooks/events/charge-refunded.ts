import type Stripe from 'stripe';
import { recordPaymentChange } from '../../ledger/apply';
import { chargeCustomerId, chargeSchema, parse, paymentReference, refundFact, refundSchema } from '../../ledger/stripe-objects';
import { refundsOfCharge } from '../../ledger/stripe-reads';
import type { EventHandler } from '../types';

/**
 * A charge was refunded. The event carries the refunded total, not the refunds that make it up,
 * so the refunds are read (one Stripe call) and merged by ID with what `refund.created` and
 * `refund.updated` report: whichever arrives first, each refund counts once.
 */
export const chargeRefunded: EventHandler<Stripe.ChargeRefundedEvent> = async (event, context) => {
  const charge = parse(chargeSchema, event.data.object, 'charge');
  const observedAt = new Date(event.created * 1000).toISOString();
  const refunds = (await refundsOfCharge({ mode: context.mode, accountId: context.accountId }, charge.id)).map((refund) => parse(refundSchema, refund, 'refund'));
  return recordPaymentChange(context, {
    reference: paymentReference(charge.payment_intent, charge.id),
    customerId: chargeCustomerId(charge),
    refunds: Object.fromEntries(refunds.map((refund) => [refund.id, refundFact(refund, observedAt)])),
    summary: `charge ${charge.id} refunded (${refunds.length} refund(s))`,
  });
};
