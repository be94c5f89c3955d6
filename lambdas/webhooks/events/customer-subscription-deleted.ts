import type Stripe from 'stripe';
import { recordSubscriptionEvent } from '../../ledger/subscriptions';
import type { EventHandler } from '../types';

/** A subscription ended: the cancellation is counted, and its payments after the end earn no commission. */
export const customerSubscriptionDeleted: EventHandler<Stripe.CustomerSubscriptionDeletedEvent> = async (event, context) =>
  recordSubscriptionEvent(context, event.data.object, event.created);
