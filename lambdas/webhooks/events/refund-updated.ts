import type Stripe from 'stripe';
import * as Ledger from '../../ledger/stripe-events';
import type { EventHandler } from '../types';

/** A refund settled: one that failed or was canceled gives the commission its share back. */
export const refundUpdated: EventHandler<Stripe.RefundUpdatedEvent> = (event, context) => Ledger.refundChanged(context, event);
