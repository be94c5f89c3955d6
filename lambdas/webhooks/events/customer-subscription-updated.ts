import type Stripe from 'stripe';
import * as Ledger from '../../ledger/stripe-events';
import type { EventHandler } from '../types';

/** A subscription changed: a renewal's new billing period (a purchase when tracked by period, paid or not), or a scheduled end (`cancel_at`). */
export const customerSubscriptionUpdated: EventHandler<Stripe.CustomerSubscriptionUpdatedEvent> = (event, context) => Ledger.subscriptionChanged(context, event);
