import type Stripe from 'stripe';
import { recordSubscriptionEvent } from '../../ledger/subscriptions';
import type { EventHandler } from '../types';

/** A subscription changed: a renewal's new billing period (a purchase when tracked by period, paid or not), or a scheduled end (`cancel_at`). */
export const customerSubscriptionUpdated: EventHandler<Stripe.CustomerSubscriptionUpdatedEvent> = async (event, context) =>
  recordSubscriptionEvent(context, event.data.object, event.created);
