import Stripe from 'stripe';
import { config } from '../core/config';
import type { Mode } from '../core/mode';
import { getSecret } from '../core/secrets';

/** The API version Tally is written against; webhook endpoints are created with it too. */
export const stripeApiVersion = '2026-10-28.endive' as const;

/**
 * Where the SDK sends calls: Stripe itself, or STRIPE_API_BASE (the emulator locally). The SDK's
 * `host` override covers every call, OAuth included, but not `oauth.authorizeUrl`, which always
 * builds an https URL: `authorizeUrlFor` mends that.
 */
const apiBase = (): { host: string; port: number; protocol: 'http' | 'https' } | undefined => {
  const base = config().STRIPE_API_BASE;
  if (!base) return undefined;
  const url = new URL(base);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: Number(url.port || (protocol === 'http' ? 80 : 443)), protocol };
};

const clients = new Map<Mode, { key: string; client: Stripe }>();

/**
 * The platform's client for one mode. Calls on a merchant's account pass `{ stripeAccount }`.
 * The SDK retries connection errors, 409 and 5xx with idempotency keys; a 429 is not retried by
 * the SDK and reaches the caller as StripeRateLimitError. The key is read on every call (the
 * secret is cached five minutes), and a client is kept per key, so a rotated key is used from
 * then on instead of the one this container started with.
 */
export const stripeFor = async (mode: Mode): Promise<Stripe> => {
  const key = (await getSecret('stripeSecretKeys'))[mode];
  if (!key) throw new Error(`No Stripe secret key is configured for ${mode} mode`);
  const cached = clients.get(mode);
  if (cached?.key === key) return cached.client;
  const client = new Stripe(key, {
    apiVersion: stripeApiVersion,
    maxNetworkRetries: 2,
    timeout: 20_000,
    telemetry: false,
    appInfo: { name: 'Tally' },
    ...apiBase(),
  });
  clients.set(mode, { key, client });
  return client;
};

export const connectClientId = async (mode: Mode): Promise<string> => {
  const clientId = (await getSecret('stripeConnectClientIds'))[mode];
  if (!clientId) throw new Error(`No Stripe Connect client ID is configured for ${mode} mode`);
  return clientId;
};

export const authorizeUrlFor = (client: Stripe, params: Stripe.OAuthAuthorizeUrlParams): string => {
  const url = new URL(client.oauth.authorizeUrl(params));
  const base = config().STRIPE_API_BASE;
  if (!base) return url.toString();
  const target = new URL(base);
  url.protocol = target.protocol;
  url.host = target.host;
  return url.toString();
};
