import type { EventContext } from '../webhooks/types';
import { recordSubscription } from './apply';
import { currentPeriod, parse, subscriptionCustomerId, subscriptionFacts, subscriptionSchema } from './stripe-objects';

type Context = Pick<EventContext, 'merchantId' | 'mode' | 'transaction' | 'read'>;

/**
 * A `customer.subscription.*` event: the subscription's dates (start, trial, scheduled and actual
 * end) and the billing period it is in. No Stripe call: the event carries all of it.
 */
export const recordSubscriptionEvent = async (context: Context, object: unknown, created: number): Promise<string> => {
  const subscription = parse(subscriptionSchema, object, 'subscription');
  const customerId = subscriptionCustomerId(subscription);
  if (!customerId) return `ignored: subscription ${subscription.id} names no customer`;
  const observedAt = new Date(created * 1000).toISOString();
  const facts = subscriptionFacts(subscription, observedAt);
  return recordSubscription(context, {
    customerId,
    subscriptionId: subscription.id,
    facts,
    period: currentPeriod(subscription, observedAt),
    summary: `subscription ${subscription.id} ${facts.endedAt ? 'ended' : 'updated'}`,
  });
};
