import type Stripe from 'stripe';
import { recordDispute } from '../../ledger/payment-changes';
import type { EventHandler } from '../types';

/** A dispute decided: lost reverses the commission, won releases it. */
export const chargeDisputeClosed: EventHandler<Stripe.ChargeDisputeClosedEvent> = async (event, context) =>
  recordDispute(context, event.data.object, event.created);
