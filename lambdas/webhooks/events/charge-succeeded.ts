import type Stripe from 'stripe';
import * as Ledger from '../../ledger/stripe-events';
import type { EventHandler } from '../types';

/** A successful charge: a purchase of its own, or the payment of an invoice's purchase. */
export const chargeSucceeded: EventHandler<Stripe.ChargeSucceededEvent> = (event, context) => Ledger.chargeSucceeded(context, event);
