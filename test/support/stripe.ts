import { createHmac, randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { EmulatorControl } from '../../bin/stripe-emulator/client';
import type { FaultRuleInput } from '../../bin/stripe-emulator/config';
import { emulatorCredentials } from '../../bin/stripe-emulator/defaults';
import { stripeApiVersion } from '../../lambdas/stripe/client';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../lambdas/store/keys';
import { api } from './api';
import { ConnectBrowser } from './connect-browser';
import { dynamo, stack } from './stack';
import type { TestMerchant } from './factories';

type Mode = 'live' | 'test';

let control: EmulatorControl | undefined;
export const emulator = (): EmulatorControl => (control ??= new EmulatorControl(stack().emulatorUrl));

/** The platform's SDK client against the emulator, as a merchant's own scripts would use Stripe. */
export const stripeClient = (mode: Mode = 'test'): Stripe => {
  const { hostname, port } = new URL(stack().emulatorUrl);
  return new Stripe(emulatorCredentials.secretKeys[mode], { apiVersion: stripeApiVersion, host: hostname, port: Number(port), protocol: 'http' });
};

/**
 * Runs `body` with one more emulator fault rule, then removes just that rule: test files share the
 * emulator, so a test never replaces the rules others may have set.
 */
export const withFault = async <T>(rule: FaultRuleInput, body: () => Promise<T>): Promise<T> => {
  const { faults } = await emulator().setFaults([...(await emulator().config()).faults, rule]);
  // Compared as the emulator stored it (with its defaults filled in), the last rule is ours.
  const ours = JSON.stringify(faults.at(-1));
  try {
    return await body();
  } finally {
    const now = (await emulator().config()).faults;
    const index = now.findIndex((existing) => JSON.stringify(existing) === ours);
    await emulator().setFaults(now.filter((_, i) => i !== index));
  }
};

/**
 * Starts a connection as the merchant's admin does: asks for the link and opens it in a browser,
 * which Tally binds to the flow with a cookie and sends on to Stripe. Returns that browser and
 * Stripe's OAuth URL, where the emulator approves at once.
 */
export const startConnect = async (merchant: TestMerchant, mode: Mode = 'test'): Promise<{ browser: ConnectBrowser; stripeUrl: URL }> => {
  const authorize = await api('GET', '/v1/connect/stripe/authorize', { key: merchant.apiKey, query: { mode } });
  if (authorize.status !== 200) throw new Error(`authorize: ${authorize.status} ${JSON.stringify(authorize.body)}`);
  const browser = new ConnectBrowser();
  const start = await browser.open(authorize.body.url);
  const location = start.headers.get('location');
  if (start.status !== 302 || !location) throw new Error(`Tally's start page answered ${start.status}`);
  return { browser, stripeUrl: new URL(location) };
};

/** Walks the whole OAuth flow in one browser and returns where Tally finally sends the merchant. */
export const connectStripe = async (
  merchant: TestMerchant,
  mode: Mode = 'test',
  authorizeParams: Record<string, string> = {},
): Promise<{ location: URL; accountId?: string }> => {
  const { browser, stripeUrl } = await startConnect(merchant, mode);
  for (const [name, value] of Object.entries(authorizeParams)) stripeUrl.searchParams.set(name, value);
  const atStripe = await browser.open(stripeUrl);
  const callback = atStripe.headers.get('location');
  if (atStripe.status !== 302 || !callback) throw new Error(`Stripe's authorize page answered ${atStripe.status}`);
  const atTally = await browser.open(callback);
  const location = new URL(atTally.headers.get('location') ?? 'about:blank');
  const me = await api('GET', '/v1/merchant', { key: merchant.apiKey });
  return { location, accountId: me.body.stripe[mode]?.accountId };
};

/** A merchant with a connected Stripe account in the given mode. */
export const connectedMerchant = async (merchant: TestMerchant, mode: Mode = 'test'): Promise<string> => {
  const { location, accountId } = await connectStripe(merchant, mode);
  if (location.searchParams.get('stripe') !== 'connected' || !accountId) throw new Error(`connect failed: ${location}`);
  return accountId;
};

/** The signing secret the local stack registered for a mode, to sign events by hand. */
export const webhookSecret = async (mode: Mode): Promise<string> => {
  const endpoints = await emulator().webhookEndpoints({ mode });
  const secret = endpoints.find((endpoint) => endpoint.url.endsWith('/webhooks/stripe') && endpoint.connect)?.secret;
  if (!secret) throw new Error(`No webhook endpoint registered in ${mode} mode`);
  return secret;
};

export const signPayload = (payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string =>
  `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex')}`;

/** A Connect event as Stripe sends it; `created` is now unless given. */
export const stripeEvent = (
  type: string,
  account: string | undefined,
  object: Record<string, unknown>,
  { mode = 'test', created = Math.floor(Date.now() / 1000), ...overrides }: { mode?: Mode; created?: number } & Record<string, unknown> = {},
) => ({
  id: `evt_${randomBytes(8).toString('hex')}`,
  object: 'event',
  type,
  account,
  api_version: stripeApiVersion,
  created,
  livemode: mode === 'live',
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
  data: { object },
  ...overrides,
});

/** The record that Tally processed an event (undefined until it did). */
export const processedRecord = async (eventId: string) =>
  (await dynamo().send(new GetCommand({ TableName: stack().tableName, Key: keys.stripeEvent(eventId) }))).Item;

/** Posts an event straight to Tally's webhook, signed as Stripe signs it. */
export const postEvent = async (event: object, options: { secret: string; timestamp?: number; signature?: string }) => {
  const payload = JSON.stringify(event);
  return api('POST', '/webhooks/stripe', {
    rawBody: payload,
    headers: { 'content-type': 'application/json', 'stripe-signature': options.signature ?? signPayload(payload, options.secret, options.timestamp) },
  });
};
