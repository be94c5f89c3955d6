import type Stripe from 'stripe';
import { recordDispute } from '../../ledger/payment-changes';
import type { EventHandler } from '../types';

/** A dispute opened: the commission is held (and cannot be paid) until it is decided. */
export const chargeDisputeCreated: EventHandler<Stripe.ChargeDisputeCreatedEvent> = async (event, context) =>
  recordDispute(context, event.data.object, event.created);
