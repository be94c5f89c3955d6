import { anyOriginCors } from '../../http/cors';
import { stripeAppRoute } from '../../http/stripe-app-route';
import { purchaseFor, stripeAppPurchaseInput } from '../../stats/stripe-app';

/** Tally's Stripe App, invoice and payment views: the purchase's commission and its lines, or why it earned none. */
export const handler = stripeAppRoute({ body: stripeAppPurchaseInput, headers: anyOriginCors }, ({ caller, body }) =>
  purchaseFor(caller, body, new Date()),
);
