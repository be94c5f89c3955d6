import type Stripe from 'stripe';
import * as Ledger from '../../ledger/stripe-events';
import type { EventHandler } from '../types';

/** A dispute opened: the commission is held (and cannot be paid) until it is decided. */
export const chargeDisputeCreated: EventHandler<Stripe.ChargeDisputeCreatedEvent> = (event, context) => Ledger.disputeChanged(context, event);
