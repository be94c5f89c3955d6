import type Stripe from 'stripe';
import * as Ledger from '../../ledger/stripe-events';
import type { EventHandler } from '../types';

/** A refund of a payment, in part or in full: the commission loses the same share. */
export const refundCreated: EventHandler<Stripe.RefundCreatedEvent> = (event, context) => Ledger.refundChanged(context, event);
