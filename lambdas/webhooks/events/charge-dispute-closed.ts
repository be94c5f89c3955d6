import type Stripe from 'stripe';
import * as Ledger from '../../ledger/stripe-events';
import type { EventHandler } from '../types';

/** A dispute decided: lost reverses the commission, won releases it. */
export const chargeDisputeClosed: EventHandler<Stripe.ChargeDisputeClosedEvent> = (event, context) => Ledger.disputeChanged(context, event);
