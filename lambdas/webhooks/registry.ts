import type Stripe from 'stripe';
import { accountApplicationDeauthorized } from './events/account-application-deauthorized';
import type { EventHandler, EventOfType } from './types';

type Registry = { [T in Stripe.Event['type']]?: EventHandler<EventOfType<T>> };

/**
 * Every Stripe event type Tally acts on, with its handler (one file per type under events/).
 * This is also the list of events the webhook endpoint subscribes to: it is written nowhere else.
 */
export const eventHandlers: Registry = {
  'account.application.deauthorized': accountApplicationDeauthorized,
};

export const handledEventTypes = Object.keys(eventHandlers) as Stripe.Event['type'][];

export const handlerFor = (type: string): EventHandler | undefined =>
  (eventHandlers as Record<string, EventHandler | undefined>)[type];
