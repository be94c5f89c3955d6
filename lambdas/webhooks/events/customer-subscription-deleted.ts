import type Stripe from 'stripe';
import * as Ledger from '../../ledger/stripe-events';
import type { EventHandler } from '../types';

/** A subscription ended: the cancellation is counted, and its payments after the end earn no commission. */
export const customerSubscriptionDeleted: EventHandler<Stripe.CustomerSubscriptionDeletedEvent> = (event, context) => Ledger.subscriptionChanged(context, event);
