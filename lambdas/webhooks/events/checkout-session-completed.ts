import type Stripe from 'stripe';
import * as Ledger from '../../ledger/stripe-events';
import type { EventHandler } from '../types';

/** A completed Checkout: the purchase's attribution evidence and, for a one-off payment, its line items. */
export const checkoutSessionCompleted: EventHandler<Stripe.CheckoutSessionCompletedEvent> = (event, context) => Ledger.checkoutSessionCompleted(context, event);
