import Stripe from 'stripe';
import { stripeApiVersion } from '../../lambdas/stripe/client';
import { type Mode, modes } from '../../lambdas/core/mode';
import { localSecret, parseSecret } from '../../lambdas/core/secrets';
import { handledEventTypes } from '../../lambdas/webhooks/registry';
import { emulatorCredentials, startStripeEmulator, type StripeEmulator } from '../stripe-emulator';

/** True when the developer gave Stripe keys: then the emulator is not started (SPEC section 1). */
export const usesRealStripe = (env: NodeJS.ProcessEnv): boolean =>
  Boolean(env.STRIPE_SECRET_KEY_TEST || env.STRIPE_SECRET_KEY_LIVE);

/**
 * Starts the Stripe emulator and returns the environment that points the handlers at it: platform
 * keys, Connect client IDs and the app signing secret are the emulator's well-known ones.
 */
export const startEmulator = async (port: number): Promise<{ emulator: StripeEmulator; env: Record<string, string> }> => {
  const emulator = await startStripeEmulator({
    port,
    // A developer wants to see a failed delivery retried within seconds, not Stripe's hours.
    delivery: { initialDelayMs: 500, maxDelayMs: 30_000, maxAttempts: 8 },
  });
  return {
    emulator,
    env: {
      STRIPE_API_BASE: emulator.url,
      STRIPE_SECRET_KEY_TEST: emulatorCredentials.secretKeys.test,
      STRIPE_SECRET_KEY_LIVE: emulatorCredentials.secretKeys.live,
      STRIPE_CONNECT_CLIENT_ID_TEST: emulatorCredentials.connectClientIds.test,
      STRIPE_CONNECT_CLIENT_ID_LIVE: emulatorCredentials.connectClientIds.live,
      STRIPE_APP_SIGNING_SECRET: emulatorCredentials.appSigningSecret,
    },
  };
};

/**
 * Refuses a start whose webhooks could not be verified as configured: the retired single list of
 * secrets (it would let a test secret sign live events), or, against Stripe itself, no secrets.
 * The emulator's endpoints bring their own.
 */
export const checkWebhookSecrets = (env: NodeJS.ProcessEnv): void => {
  const secrets = localSecret('stripeWebhookSecrets', env);
  if (!usesRealStripe(env)) return;
  try {
    parseSecret('stripeWebhookSecrets', secrets);
  } catch {
    throw new Error(
      'Webhook signing secrets are missing or malformed: set STRIPE_WEBHOOK_SECRETS_TEST and/or STRIPE_WEBHOOK_SECRETS_LIVE ' +
        'to the whsec_… secrets of that mode (comma-separated; `stripe listen --print-secret` prints a test one), none in both.',
    );
  }
};

/**
 * Registers Tally's webhook URL for connected accounts' events in both modes, the way an operator
 * does once against Stripe, and returns the environment with the signing secret of each mode.
 */
export const registerWebhookEndpoints = async (emulatorUrl: string, webhookUrl: string): Promise<Record<string, string>> => {
  const { hostname, port } = new URL(emulatorUrl);
  const secrets: Record<Mode, string[]> = { live: [], test: [] };
  for (const mode of modes) {
    const stripe = new Stripe(emulatorCredentials.secretKeys[mode], {
      apiVersion: stripeApiVersion,
      host: hostname,
      port: Number(port),
      protocol: 'http',
    });
    const endpoint = await stripe.webhookEndpoints.create({
      url: webhookUrl,
      connect: true,
      enabled_events: handledEventTypes,
      api_version: stripeApiVersion,
      description: 'Tally (local stack)',
    });
    if (endpoint.secret) secrets[mode].push(endpoint.secret);
  }
  return { STRIPE_WEBHOOK_SECRETS_LIVE: secrets.live.join(','), STRIPE_WEBHOOK_SECRETS_TEST: secrets.test.join(',') };
};
