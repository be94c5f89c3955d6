import { anyOriginCors } from '../../http/cors';
import { stripeAppRoute } from '../../http/stripe-app-route';
import { stripeAppStatsInput, statsFor } from '../../stats/stripe-app';

/** Tally's Stripe App: 401 without a valid signature, 404 when the account is connected to no merchant. */
export const handler = stripeAppRoute({ body: stripeAppStatsInput, headers: anyOriginCors }, ({ caller, body }) =>
  statsFor(caller, body, new Date()),
);
