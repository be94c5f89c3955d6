import { anyOriginCors } from '../../http/cors';
import { stripeAppRoute } from '../../http/stripe-app-route';
import { customerFor, stripeAppCustomerInput } from '../../stats/stripe-app';

/** Tally's Stripe App, customer view: who referred the customer and its purchases; 404 when Tally knows nothing of it. */
export const handler = stripeAppRoute({ body: stripeAppCustomerInput, headers: anyOriginCors }, ({ caller, body }) =>
  customerFor(caller, body, new Date()),
);
