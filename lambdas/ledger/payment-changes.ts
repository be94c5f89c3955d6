import type { EventContext } from '../webhooks/types';
import { recordPaymentChange } from './apply';
import { disputeFact, disputeSchema, parse, paymentReference, refundFact, refundSchema } from './stripe-objects';

/**
 * Refund and dispute events, each of which Stripe reports more than once (`refund.created` then
 * `refund.updated`; a dispute opened then closed): facts keyed by the refund's or dispute's ID,
 * so each report refines the one fact.
 */

type Context = Pick<EventContext, 'merchantId' | 'mode' | 'transaction' | 'read'>;

const observed = (created: number) => new Date(created * 1000).toISOString();

export const recordRefund = async (context: Context, object: unknown, created: number): Promise<string> => {
  const refund = parse(refundSchema, object, 'refund');
  if (!refund.charge) return `ignored: refund ${refund.id} is not of a charge (no payment to reduce)`;
  const customerId = typeof refund.customer === 'string' ? refund.customer : (refund.customer?.id ?? null);
  return recordPaymentChange(context, {
    reference: paymentReference(refund.payment_intent, refund.charge),
    customerId,
    refunds: { [refund.id]: refundFact(refund, observed(created)) },
    summary: `refund ${refund.id} (${refund.status})`,
  });
};

export const recordDispute = async (context: Context, object: unknown, created: number): Promise<string> => {
  const dispute = parse(disputeSchema, object, 'dispute');
  const fact = disputeFact(dispute, observed(created));
  return recordPaymentChange(context, {
    reference: paymentReference(dispute.payment_intent, dispute.charge),
    customerId: null,
    disputes: { [dispute.id]: fact },
    summary: `dispute ${dispute.id} (${fact.outcome})`,
  });
};
