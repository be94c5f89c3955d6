import type Stripe from 'stripe';
import { recordSubscriptionEvent } from '../../ledger/subscriptions';
import type { EventHandler } from '../types';

/** A new subscription: how it is tracked is decided now (a changed setting applies to new subscriptions only), and when tracked by billing period its first period is a purchase. */
export const customerSubscriptionCreated: EventHandler<Stripe.CustomerSubscriptionCreatedEvent> = async (event, context) =>
  recordSubscriptionEvent(context, event.data.object, event.created);
