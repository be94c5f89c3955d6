import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiPipeline } from './api';
import type { DeliveryPolicy, FaultRuleInput, RateLimits } from './config';
import { ControlApi } from './control';
import type { EmulatorCredentials, Mode } from './defaults';
import type { EventDestinationInput } from './event-destinations';
import { BodyTooLargeError, readBody, sendJson, Timers } from './http';
import { authorize } from './oauth';
import { createWebhookEndpoint } from './resources/webhook-endpoints';
import { EmulatorState } from './state';

export { emulatorCredentials, EMULATOR_API_VERSION } from './defaults';
export type { EmulatorCredentials, Mode } from './defaults';
export type { EventDestination, EventDestinationInput } from './event-destinations';
export { EmulatorControl } from './client';

/** A webhook endpoint that exists from the start (and after every reset), e.g. the local stack's `/webhooks/stripe`. */
export interface StartupWebhookEndpoint {
  url: string;
  mode: Mode;
  /** Receive the events of connected accounts instead of the platform's own. */
  connect?: boolean;
  enabledEvents?: string[];
  /** Defaults to `emulatorCredentials.webhookSecrets[mode]`, so the receiver can be configured in advance. */
  secret?: string;
}

export interface StripeEmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Requests per second per account and mode (Stripe's 100 live / 25 test by default); `null` turns limiting off. */
  rateLimits?: RateLimits | null;
  faults?: FaultRuleInput[];
  delivery?: Partial<DeliveryPolicy>;
  credentials?: Partial<EmulatorCredentials>;
  webhookEndpoints?: StartupWebhookEndpoint[];
  /** A mode given `{ type: 'eventbridge', url, source }` sends all its events there instead of to webhook endpoints. */
  eventDestinations?: Partial<Record<Mode, EventDestinationInput>>;
}

export interface StripeEmulator {
  /** `http://host:port`, for the control API and `EmulatorControl`. */
  url: string;
  host: string;
  port: number;
  /** Direct access for in-process tests; everything it offers is also on the control API. */
  state: EmulatorState;
  /** Resolves once no delivery (webhook or EventBridge) is pending; rejects after `timeoutMs`. */
  waitForDeliveries(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startStripeEmulator(options: StripeEmulatorOptions = {}): Promise<StripeEmulator> {
  const state = new EmulatorState({
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.eventDestinations ? { eventDestinations: options.eventDestinations } : {}),
    config: {
      ...(options.rateLimits !== undefined ? { rateLimits: options.rateLimits } : {}),
      ...(options.faults ? { faults: options.faults } : {}),
      ...(options.delivery ? { delivery: options.delivery } : {}),
    },
    seed: (seeded) => {
      for (const endpoint of options.webhookEndpoints ?? []) {
        createWebhookEndpoint(seeded, { mode: endpoint.mode, account: seeded.credentials.platformAccountId }, {
          url: endpoint.url,
          enabledEvents: endpoint.enabledEvents ?? ['*'],
          apiVersion: null,
          connect: endpoint.connect ?? false,
          description: null,
          metadata: {},
          secret: endpoint.secret ?? seeded.credentials.webhookSecrets[endpoint.mode],
        });
      }
    },
  });
  const timers = new Timers();
  const api = new ApiPipeline(state, timers);
  const control = new ControlApi(state, api);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    if (req.method === 'GET' && url.pathname === '/oauth/authorize') {
      const outcome = authorize(state, url.searchParams);
      if (outcome.status === 302) {
        res.writeHead(302, { Location: outcome.location }).end();
      } else {
        res.writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>Stripe Connect</title><p>${escapeHtml(outcome.message)}</p>`);
      }
      return;
    }
    const body = await readBody(req);
    if (url.pathname.startsWith('/_emulator/')) return control.handle(req, res, url, body);
    return api.handle(req, res, url, body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return;
      if (error instanceof BodyTooLargeError) return sendJson(res, 413, { error: { type: 'invalid_request_error', message: error.message } });
      console.error('stripe emulator: request failed', error);
      sendJson(res, 500, { error: { type: 'api_error', message: 'The Stripe emulator failed to handle this request.' } });
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host}:${port}`,
    host,
    port,
    state,
    async waitForDeliveries(timeoutMs = 10_000) {
      if (!(await state.dispatcher.waitForIdle(timeoutMs))) {
        throw new Error(`Stripe emulator: ${state.dispatcher.pendingCount} deliveries still pending after ${timeoutMs} ms`);
      }
    },
    async stop() {
      state.dispatcher.clear();
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
