import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Mode } from '../../lambdas/core/mode';
import { issueSignInLink } from '../../lambdas/people/sign-in';
import { queueConsumers, queues, scheduledFunctions, type QueueName } from '../../lambdas/functions';
import { EmulatorControl } from '../stripe-emulator/client';
import { type DemoSeedOutcome, seedDemoMerchant } from './demo-seed';
import { ensureTable, startDynamo } from './dynamodb';
import { localEventBridgeDestination, localStripeEventBus, localStripeEventSources } from './eventbridge';
import { freePort } from './free-port';
import { type LocalPage, startHttpServer } from './http-server';
import { invoke, loadHandler } from './lambda-runtime';
import { localPages } from './local-pages';
import { startSchedule } from './scheduler';
import { createQueue, type QueueUrls, startPoller, startSqs } from './sqs';
import { checkWebhookSecrets, registerWebhookEndpoints, startEmulator, usesRealStripe } from './stripe';

export interface LocalStackOptions {
  port: number;
  host: string;
  /** Where DynamoDB Local keeps its data; in memory when undefined. */
  dataDir?: string;
  dynamoPort?: number;
  sqsPort?: number;
  /** The Stripe emulator's port, used unless Stripe keys are given in the environment. */
  emulatorPort?: number;
  publicUrl?: string;
  operatorKey?: string;
  /** Modes whose events the emulator sends by EventBridge, to the mode's local bus, instead of to the webhook. */
  eventBridgeModes?: Mode[];
  /** Overrides every schedule's rate, so a developer can watch it fire. */
  scheduleIntervalMs?: number;
  /** False for a bare start: a newly created demo merchant gets no demo data. */
  demoSeed?: boolean;
  log?: (line: string) => void;
}

export interface LocalStack {
  apiUrl: string;
  publicUrl: string;
  operatorKey: string;
  tableName: string;
  dynamoEndpoint: string;
  sqsEndpoint: string;
  queues: Record<QueueName, QueueUrls>;
  /** Undefined when the stack talks to Stripe itself. */
  emulatorUrl?: string;
  /** How the emulator sends each mode's events at start-up (tests may switch it with the emulator's control API). */
  stripeDelivery: Record<Mode, 'webhook' | 'eventbridge'>;
  demo: DemoMerchant;
  /** A fresh sign-in link for the demo merchant's owner (single use, 15 minutes), for the banner. */
  demoSignInLink: string;
  /** Set when this start created the demo merchant and seeded it (or tried to). */
  demoSeed?: DemoSeedOutcome;
  stop(): Promise<void>;
}

export interface DemoMerchant {
  merchantId: string;
  apiKey: string;
  trackingKey: string;
  /** The owner who signs in to the console; kept in local state from before it existed may lack it. */
  ownerEmail?: string;
}

/** The demo merchant's owner: local mail never leaves the outbox, so any address works. */
export const demoOwnerEmail = 'owner@demo.tally.local';

const tableName = 'tally';

/** Keys a developer should not have to re-learn after a restart, kept beside the data. */
interface LocalState {
  operatorKey?: string;
  oauthStateKey?: string;
  demo?: DemoMerchant;
}

const stateFile = (dataDir: string) => path.join(dataDir, 'local-state.json');
const readState = (dataDir?: string): LocalState =>
  dataDir && existsSync(stateFile(dataDir)) ? (JSON.parse(readFileSync(stateFile(dataDir), 'utf8')) as LocalState) : {};
const writeState = (dataDir: string | undefined, state: LocalState) => {
  if (!dataDir) return;
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(stateFile(dataDir), JSON.stringify(state, null, 2), { mode: 0o600 });
};

const secret = () => randomBytes(24).toString('base64url');

/** A demo merchant kept from before it had an owner gets one (the API invites them; the mail goes to the outbox). */
const ensureDemoOwner = async (apiUrl: string, demo: DemoMerchant): Promise<DemoMerchant> => {
  if (demo.ownerEmail) return demo;
  const response = await fetch(`${apiUrl}/v1/merchant/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${demo.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email: demoOwnerEmail, role: 'owner' }),
  });
  if (response.status !== 201) throw new Error(`Could not add the demo merchant's owner: ${response.status} ${await response.text()}`);
  return { ...demo, ownerEmail: demoOwnerEmail };
};

const ensureDemoMerchant = async (apiUrl: string, operatorKey: string, known?: DemoMerchant): Promise<DemoMerchant> => {
  if (known) {
    const check = await fetch(`${apiUrl}/v1/merchant`, { headers: { authorization: `Bearer ${known.apiKey}` } });
    if (check.ok) return ensureDemoOwner(apiUrl, known);
  }
  // No dashboard URL: connecting Stripe from the console lands back in the console.
  const response = await fetch(`${apiUrl}/v1/merchants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${operatorKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Demo Merchant', ownerEmail: demoOwnerEmail }),
  });
  if (response.status !== 201) throw new Error(`Could not create the demo merchant: ${response.status} ${await response.text()}`);
  const created = (await response.json()) as { merchant: { id: string }; apiKey: string; trackingKey: string };
  return { merchantId: created.merchant.id, apiKey: created.apiKey, trackingKey: created.trackingKey, ownerEmail: demoOwnerEmail };
};

/**
 * Starts the whole stack on one machine — DynamoDB Local, the SQS server with its pollers, the
 * schedules, and the HTTP API running the very handlers that Lambda runs — and creates the demo
 * merchant. Everything started is stopped by `stop()`, in reverse order.
 */
export const startLocalStack = async (options: LocalStackOptions): Promise<LocalStack> => {
  const log = options.log ?? (() => undefined);
  const stops: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step();
  };
  try {
    checkWebhookSecrets(process.env);
    const eventBridgeModes = options.eventBridgeModes ?? [];
    if (eventBridgeModes.length > 0 && usesRealStripe(process.env)) {
      throw new Error('EventBridge delivery is the Stripe emulator’s: against Stripe itself, events come as `stripe listen` forwards them.');
    }
    const state = readState(options.dataDir);
    const dynamo = await startDynamo({ port: options.dynamoPort || (await freePort()), dataDir: options.dataDir });
    stops.push(() => dynamo.stop());
    const sqs = await startSqs({ port: options.sqsPort ?? 0 });
    stops.push(() => sqs.stop());

    await ensureTable(dynamo.client, tableName);
    const queueUrls = {} as Record<QueueName, QueueUrls>;
    for (const name of Object.keys(queues) as QueueName[]) queueUrls[name] = await createQueue(sqs.client, name, 'tally');

    const operatorKey = options.operatorKey ?? state.operatorKey ?? secret();
    const oauthStateKey = process.env.TALLY_OAUTH_STATE_KEY ?? state.oauthStateKey ?? secret();
    // The handlers read their configuration from the environment at cold start, as in Lambda.
    Object.assign(process.env, {
      TALLY_RUNTIME: 'local',
      TALLY_TABLE_NAME: tableName,
      TALLY_DYNAMODB_ENDPOINT: dynamo.endpoint,
      TALLY_SQS_ENDPOINT: sqs.endpoint,
      TALLY_RESYNC_QUEUE_URL: queueUrls.resync.url,
      TALLY_LEDGER_QUEUE_URL: queueUrls.ledger.url,
      TALLY_HISTORY_QUEUE_URL: queueUrls.history.url,
      TALLY_STRIPE_EVENT_SOURCE_LIVE: localStripeEventSources.live,
      TALLY_STRIPE_EVENT_SOURCE_TEST: localStripeEventSources.test,
      TALLY_OPERATOR_KEY: operatorKey,
      TALLY_OAUTH_STATE_KEY: oauthStateKey,
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });

    let emulatorUrl: string | undefined;
    if (!usesRealStripe(process.env)) {
      const { emulator, env } = await startEmulator(options.emulatorPort ?? 0);
      stops.push(() => emulator.stop());
      Object.assign(process.env, env);
      emulatorUrl = emulator.url;
    }

    let publicUrl = options.publicUrl;
    const pages: LocalPage[] = [];
    const api = await startHttpServer({ port: options.port, host: options.host, localPages: pages });
    stops.push(() => api.stop());
    publicUrl ??= `http://localhost:${api.port}`;
    process.env.TALLY_PUBLIC_URL = publicUrl;

    for (const consumer of queueConsumers) {
      const handler = loadHandler('queue', consumer.handler);
      const poller = startPoller({
        client: sqs.client,
        queue: queueUrls[consumer.queue],
        batchSize: consumer.batchSize,
        maxConcurrency: consumer.maxConcurrency,
        invoke: (event) => invoke(handler, consumer.handler, consumer.timeoutSeconds, event),
        onError: (error) => log(`${consumer.handler} failed: ${(error as Error).message}`),
      });
      stops.push(() => poller.stop());
    }
    const schedules = scheduledFunctions.map((scheduled) => {
      const handler = loadHandler('schedule', scheduled.handler);
      const schedule = startSchedule({
        name: scheduled.handler,
        intervalMs: options.scheduleIntervalMs ?? scheduled.rateMinutes * 60_000,
        invoke: (event) => invoke(handler, scheduled.handler, scheduled.timeoutSeconds, event),
        onError: (error) => log(`${scheduled.handler} failed: ${(error as Error).message}`),
      });
      stops.push(() => schedule.stop());
      return { name: scheduled.handler, fire: schedule.fire };
    });
    pages.push(...localPages({ schedules, stripeEventBus: localStripeEventBus(sqs.client, queueUrls.stripeEvents.url) }));
    if (emulatorUrl) {
      Object.assign(process.env, await registerWebhookEndpoints(emulatorUrl, `${api.url}/webhooks/stripe`));
      const control = new EmulatorControl(emulatorUrl);
      for (const mode of eventBridgeModes) await control.setEventDestination(mode, localEventBridgeDestination(api.url, mode));
    }
    const stripeDelivery = {
      test: eventBridgeModes.includes('test') ? 'eventbridge' : 'webhook',
      live: eventBridgeModes.includes('live') ? 'eventbridge' : 'webhook',
    } as const;

    const demo = await ensureDemoMerchant(api.url, operatorKey, state.demo);
    writeState(options.dataDir, { operatorKey, oauthStateKey, demo });
    // Only a merchant made just now: a kept one already holds whatever the developer did with it.
    // Against Stripe itself there is no emulator to simulate purchases with.
    const createdDemo = demo.merchantId !== state.demo?.merchantId;
    const demoSeed =
      createdDemo && options.demoSeed !== false && emulatorUrl ? await seedDemoMerchant({ apiUrl: api.url, emulatorUrl, demo }) : undefined;
    if (demoSeed && !demoSeed.seeded) log(`Warning: ${demoSeed.summary}`);
    // Straight from the sign-in store rather than the mail flow, so restarts never meet its rate limit.
    const demoSignInLink = await issueSignInLink({ area: 'console', email: demo.ownerEmail ?? demoOwnerEmail, merchantId: demo.merchantId }, new Date());

    return {
      apiUrl: api.url,
      publicUrl,
      operatorKey,
      tableName,
      dynamoEndpoint: dynamo.endpoint,
      sqsEndpoint: sqs.endpoint,
      queues: queueUrls,
      emulatorUrl,
      stripeDelivery,
      demo,
      demoSignInLink,
      demoSeed,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};
