import { PayloadTooLargeError } from '../core/errors';
import { logger } from '../core/logger';
import { getSecret } from '../core/secrets';
import { verifyStripeAppRequest } from '../stripe/app-signature';
import { defaultMaxBodyBytes, defineRoute, header, rawBody } from './route';

/**
 * Routes for Tally's Stripe App in the Dashboard: the caller is the user and account Stripe signed
 * for. Apart from route.ts so that only these functions bundle the stripe SDK that verifies it.
 */
export const stripeAppRoute = defineRoute(async (event) => {
  const body = rawBody(event);
  // Checked before the signature, which parses the body.
  if (body.length > defaultMaxBodyBytes) throw new PayloadTooLargeError(defaultMaxBodyBytes);
  const caller = verifyStripeAppRequest(body, header(event, 'stripe-signature'), await getSecret('stripeAppSigningSecret'));
  logger.appendKeys({ stripeAccountId: caller.accountId });
  return { caller };
});
