import type Stripe from 'stripe';
import { attributeCustomer, customerEvidence } from '../../attribution/attribution';
import type { EventHandler } from '../types';

/**
 * A changed customer (an e-mail or `tally_affiliate` added later): attributed as of the change if it
 * has no attribution yet. One it already has is never changed.
 */
export const customerUpdated: EventHandler<Stripe.CustomerUpdatedEvent> = async (event, context) =>
  attributeCustomer(context.transaction, context.merchantId, context.mode, customerEvidence(event.data.object, new Date(event.created * 1000)));
