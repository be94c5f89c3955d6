import type Stripe from 'stripe';
import { endConnection } from '../../connect/connection';
import type { EventHandler } from '../types';

/**
 * The merchant removed Tally from their Stripe account. A deauthorization older than the current
 * connection (a late delivery after a reconnect) must not end the new connection.
 */
export const accountApplicationDeauthorized: EventHandler<Stripe.AccountApplicationDeauthorizedEvent> = async (event, context) => {
  const deauthorizedAt = new Date(event.created * 1000);
  if (deauthorizedAt.getTime() < Date.parse(context.claim.connectedAt) - 1000)
    return 'ignored: the deauthorization is older than the current connection';
  endConnection(context.transaction, context.merchantId, context.mode, context.accountId, deauthorizedAt.toISOString());
  return 'connection ended';
};
