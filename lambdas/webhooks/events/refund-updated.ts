import type Stripe from 'stripe';
import { recordRefund } from '../../ledger/payment-changes';
import type { EventHandler } from '../types';

/** A refund settled: one that failed or was canceled gives the commission its share back. */
export const refundUpdated: EventHandler<Stripe.RefundUpdatedEvent> = async (event, context) => recordRefund(context, event.data.object, event.created);
