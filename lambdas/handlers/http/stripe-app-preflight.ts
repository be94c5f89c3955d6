import { stripeAppPreflight } from '../../http/cors';
import { publicRoute } from '../../http/route';

/** The browser's CORS preflight for the Stripe App's signed POST (JSON, with Stripe-Signature). */
export const handler = publicRoute({ headers: stripeAppPreflight }, async () => ({ statusCode: 204, body: '' }));
