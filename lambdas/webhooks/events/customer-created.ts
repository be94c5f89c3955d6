import type Stripe from 'stripe';
import { attributeCustomer, customerEvidence } from '../../attribution/attribution';
import type { EventHandler } from '../types';

/** A new customer: attributed from its metadata or a tracked lead with its e-mail, if either matches. */
export const customerCreated: EventHandler<Stripe.CustomerCreatedEvent> = async (event, context) => {
  const customer = event.data.object;
  return attributeCustomer(context.transaction, context.merchantId, context.mode, customerEvidence(customer, new Date(customer.created * 1000)));
};
