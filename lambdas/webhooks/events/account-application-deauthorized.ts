import type Stripe from 'stripe';
import { endConnection } from '../../connect/connection';
import type { EventHandler } from '../types';

/**
 * The merchant removed Tally from their Stripe account. A deauthorization older than the current
 * connection (a late delivery after a reconnect) must not end the new connection: ending a live
 * connection makes Tally ignore every later event of the account. Stripe's `created` has whole
 * seconds, so "older" is certain when its second ended before the connection was made, or when it
 * is no later than the second this account's previous connection ended in (the deauthorization
 * that ended it, even when the account was connected again within that second).
 */
export const accountApplicationDeauthorized: EventHandler<Stripe.AccountApplicationDeauthorizedEvent> = async (event, context) => {
  const deauthorizedAt = new Date(event.created * 1000);
  const { connectedAt, previousDisconnectedAt } = context.claim;
  const beforeConnection = deauthorizedAt.getTime() + 1000 <= Date.parse(connectedAt);
  const endedPrevious = previousDisconnectedAt !== undefined && event.created <= Math.floor(Date.parse(previousDisconnectedAt) / 1000);
  if (beforeConnection || endedPrevious) return 'ignored: the deauthorization is older than the current connection';
  endConnection(context.transaction, context.merchantId, context.mode, context.accountId, deauthorizedAt.toISOString());
  return 'connection ended';
};
