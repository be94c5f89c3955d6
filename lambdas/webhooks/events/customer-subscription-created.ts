import type Stripe from 'stripe';
import * as Ledger from '../../ledger/stripe-events';
import type { EventHandler } from '../types';

/** A new subscription: how it is tracked is decided now (a changed setting applies to new subscriptions only), and when tracked by billing period its first period is a purchase. */
export const customerSubscriptionCreated: EventHandler<Stripe.CustomerSubscriptionCreatedEvent> = (event, context) => Ledger.subscriptionChanged(context, event);
