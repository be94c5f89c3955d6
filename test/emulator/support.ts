import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { EmulatorControl } from '../../bin/stripe-emulator/client';
import { emulatorCredentials, type Mode } from '../../bin/stripe-emulator/defaults';
import { startStripeEmulator, type StripeEmulator, type StripeEmulatorOptions } from '../../bin/stripe-emulator/index';

export { emulatorCredentials };

export interface Harness {
  emulator: StripeEmulator;
  control: EmulatorControl;
  /** The platform's SDK client in `mode`, talking to the emulator. */
  stripe(mode?: Mode, config?: Stripe.StripeConfig): Stripe;
  /** Connects a new account over OAuth, as Tally's callback would, and returns its id. */
  connect(mode?: Mode): Promise<string>;
  stop(): Promise<void>;
}

export async function startHarness(options: StripeEmulatorOptions = { rateLimits: null }): Promise<Harness> {
  const emulator = await startStripeEmulator(options);
  const control = new EmulatorControl(emulator.url);
  const stripe = (mode: Mode = 'test', config: Stripe.StripeConfig = {}) =>
    new Stripe(emulatorCredentials.secretKeys[mode], { host: emulator.host, port: emulator.port, protocol: 'http', ...config });
  return {
    emulator,
    control,
    stripe,
    async connect(mode: Mode = 'test') {
      const redirect = await authorizeRedirect(emulator, { client_id: emulatorCredentials.connectClientIds[mode] });
      const code = redirect.searchParams.get('code');
      if (!code) throw new Error(`authorization refused: ${redirect.toString()}`);
      const token = await stripe(mode).oauth.token({ grant_type: 'authorization_code', code });
      return token.stripe_user_id as string;
    },
    stop: () => emulator.stop(),
  };
}

/** Follows `stripe.oauth.authorizeUrl()` as a browser would, with the origin rewritten to the emulator's. */
export async function authorizeRedirect(emulator: StripeEmulator, params: Record<string, string>): Promise<URL> {
  const url = authorizeUrl(emulator, params);
  const response = await fetch(url, { redirect: 'manual' });
  if (response.status !== 302) throw new Error(`expected a redirect, got ${response.status}: ${await response.text()}`);
  return new URL(response.headers.get('location') as string);
}

export function authorizeUrl(emulator: StripeEmulator, params: Record<string, string>): string {
  const sdk = new Stripe(emulatorCredentials.secretKeys.test, { host: emulator.host, port: emulator.port, protocol: 'http' });
  const built = sdk.oauth.authorizeUrl({ scope: 'read_write', state: 'state-123', redirect_uri: 'http://tally.test/oauth/stripe/callback', ...params });
  return built.replace(/^https:\/\/[^/]+/, emulator.url);
}

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  rawBody: string;
  event: Stripe.Event;
  at: number;
}

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  /** Decides the status answered to the n-th delivery in `received` (0-based); 200 by default. */
  respond: (n: number, event: Stripe.Event) => number;
  stop(): Promise<void>;
}

/** A webhook receiver that records every delivery it gets. */
export async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = { url: '', received: [], respond: () => 200, stop: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const event = JSON.parse(rawBody) as Stripe.Event;
      const n = receiver.received.push({ headers: req.headers, rawBody, event, at: Date.now() }) - 1;
      res.writeHead(receiver.respond(n, event)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`;
  receiver.stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return receiver;
}

/**
 * Jest hooks for a describe block that needs an emulator and a webhook receiver: both started once,
 * and before each test the emulator reset and the receiver emptied and answering 200. `assign`
 * hands them to the block's own variables.
 */
export function useHarnessAndReceiver(assign: (started: { h: Harness; receiver: Receiver }) => void): void {
  let started: { h: Harness; receiver: Receiver } | undefined;
  beforeAll(async () => {
    started = { h: await startHarness(), receiver: await startReceiver() };
    assign(started);
  });
  afterAll(async () => {
    await started?.h.stop();
    await started?.receiver.stop();
  });
  beforeEach(async () => {
    if (!started) return;
    await started.h.control.reset();
    started.receiver.received.length = 0;
    started.receiver.respond = () => 200;
  });
}

/** The thrown value of a promise expected to reject. */
export async function rejection(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (error) {
    return error as Stripe.errors.StripeError;
  }
  throw new Error('expected the call to fail');
}
