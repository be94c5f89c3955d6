import type Stripe from 'stripe';
import { recordRefund } from '../../ledger/payment-changes';
import type { EventHandler } from '../types';

/** A refund of a payment, in part or in full: the commission loses the same share. */
export const refundCreated: EventHandler<Stripe.RefundCreatedEvent> = async (event, context) => recordRefund(context, event.data.object, event.created);
