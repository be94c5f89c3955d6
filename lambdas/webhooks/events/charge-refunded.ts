import type Stripe from 'stripe';
import * as Ledger from '../../ledger/stripe-events';
import type { EventHandler } from '../types';

/** A charge refunded, in part or in full: the commission loses the refunded share. */
export const chargeRefunded: EventHandler<Stripe.ChargeRefundedEvent> = (event, context) => Ledger.chargeRefunded(context, event);
