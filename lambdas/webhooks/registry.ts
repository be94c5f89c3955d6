import type Stripe from 'stripe';
import { accountApplicationDeauthorized } from './events/account-application-deauthorized';
import { chargeDisputeClosed } from './events/charge-dispute-closed';
import { chargeDisputeCreated } from './events/charge-dispute-created';
import { chargeRefunded } from './events/charge-refunded';
import { chargeSucceeded } from './events/charge-succeeded';
import { checkoutSessionCompleted } from './events/checkout-session-completed';
import { couponDeleted } from './events/coupon-deleted';
import { customerCreated } from './events/customer-created';
import { customerSubscriptionCreated } from './events/customer-subscription-created';
import { customerSubscriptionDeleted } from './events/customer-subscription-deleted';
import { customerSubscriptionUpdated } from './events/customer-subscription-updated';
import { customerUpdated } from './events/customer-updated';
import { invoicePaid } from './events/invoice-paid';
import { promotionCodeUpdated } from './events/promotion-code-updated';
import { refundCreated } from './events/refund-created';
import { refundUpdated } from './events/refund-updated';
import type { EventHandler, EventOfType } from './types';

type Registry = { [T in Stripe.Event['type']]?: EventHandler<EventOfType<T>> };

/**
 * Every Stripe event type Tally acts on, with its handler (one file per type under events/).
 * This is also the list of events the webhook endpoint subscribes to: it is written nowhere else.
 */
export const eventHandlers: Registry = {
  'account.application.deauthorized': accountApplicationDeauthorized,
  'charge.dispute.closed': chargeDisputeClosed,
  'charge.dispute.created': chargeDisputeCreated,
  'charge.refunded': chargeRefunded,
  'charge.succeeded': chargeSucceeded,
  'checkout.session.completed': checkoutSessionCompleted,
  'coupon.deleted': couponDeleted,
  'customer.created': customerCreated,
  'customer.subscription.created': customerSubscriptionCreated,
  'customer.subscription.deleted': customerSubscriptionDeleted,
  'customer.subscription.updated': customerSubscriptionUpdated,
  'customer.updated': customerUpdated,
  'invoice.paid': invoicePaid,
  'promotion_code.updated': promotionCodeUpdated,
  'refund.created': refundCreated,
  'refund.updated': refundUpdated,
};

export const handledEventTypes = Object.keys(eventHandlers) as Stripe.Event['type'][];

export const handlerFor = (type: string): EventHandler | undefined =>
  (eventHandlers as Record<string, EventHandler | undefined>)[type];
