import type { IncludableFields } from '../expand';
import { oauthRoutes } from '../oauth';
import type { AnyRoute } from '../route';
import { chargeIncludes, chargeRoutes } from './charges';
import { checkoutSessionRoutes, sessionIncludes } from './checkout-sessions';
import { couponRoutes } from './coupons';
import { customerRoutes } from './customers';
import { disputeRoutes } from './disputes';
import { eventRoutes } from './events';
import { invoicePaymentRoutes } from './invoice-payments';
import { invoiceIncludes, invoiceRoutes } from './invoices';
import { paymentIntentRoutes } from './payment-intents';
import { priceRoutes } from './prices';
import { productRoutes } from './products';
import { promotionCodeRoutes } from './promotion-codes';
import { refundRoutes } from './refunds';
import { subscriptionRoutes } from './subscriptions';
import { taxRateRoutes } from './tax-rates';
import { webhookEndpointRoutes } from './webhook-endpoints';

/** Every endpoint the SDK can call, `/v1/…` and Connect's `/oauth/…`. */
export const apiRoutes: AnyRoute[] = [
  ...couponRoutes,
  ...promotionCodeRoutes,
  ...customerRoutes,
  ...productRoutes,
  ...priceRoutes,
  ...taxRateRoutes,
  ...checkoutSessionRoutes,
  ...paymentIntentRoutes,
  ...chargeRoutes,
  ...refundRoutes,
  ...disputeRoutes,
  ...invoiceRoutes,
  ...invoicePaymentRoutes,
  ...subscriptionRoutes,
  ...webhookEndpointRoutes,
  ...eventRoutes,
  ...oauthRoutes,
];

/** Fields left out of objects unless `expand[]` names them, with how each is computed. */
export const includableFields: IncludableFields = { ...chargeIncludes, ...sessionIncludes, ...invoiceIncludes };
