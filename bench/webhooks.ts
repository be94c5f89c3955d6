import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHmac, randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { EmulatorControl } from '../bin/stripe-emulator/client';
import { emulatorCredentials } from '../bin/stripe-emulator/defaults';
import { lambdaContext } from '../bin/local/lambda-runtime';
import { logger } from '../lambdas/core/logger';
import { getSecret } from '../lambdas/core/secrets';
import { header, publicRoute, rawBody } from '../lambdas/http/route';
import { db, tableName } from '../lambdas/store/db';
import { keys } from '../lambdas/store/keys';
import { stripeFor } from '../lambdas/stripe/client';
import { createAffiliate, createPlan, createMerchant, unique } from '../test/support/factories';
import { spawnLocalStack } from '../test/support/spawn-stack';
import { connectedMerchant } from '../test/support/stripe';

/**
 * `npm run bench -- webhooks`: signed purchase events (`invoice.paid`, `charge.succeeded`,
 * `checkout.session.completed`) through the webhook Lambda, beside a floor Lambda in the same
 * process that only verifies the signature and makes one conditional put. Both are the same middy
 * route wrapper invoked the same way, against the local stack's DynamoDB Local and Stripe emulator.
 *
 * The purchases are made first in the emulator, undelivered: subscriptions and one-off payments
 * through Checkout by distinct customers, referred by an affiliate, so every event runs the whole
 * path (attribution, commission, stats). Events go in Stripe's order per customer, customers
 * interleaved, at a fixed concurrency. DynamoDB calls are counted per event by a middleware on the
 * handlers' own client; Stripe calls by the SDK's request hook, per event, and checked against the
 * emulator's request log.
 */
const subscriptions = 150;
const payments = 50;
/** Events in flight at once (`BENCH_CONCURRENCY` to try others). */
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const purchaseTypes = ['invoice.paid', 'charge.succeeded', 'checkout.session.completed'];

interface Calls {
  dynamo: number;
  stripe: number;
  /** Items in the event's TransactWriteItems (or 1 for a PutItem): DynamoDB Local serializes writes. */
  written: number;
}
const counting = new AsyncLocalStorage<Calls>();

const countCalls = async () => {
  db().middlewareStack.add(
    (next, context) => async (args) => {
      const calls = counting.getStore();
      if (calls) {
        calls.dynamo += 1;
        if (context.commandName === 'TransactWriteItemsCommand') calls.written += (args.input as { TransactItems?: unknown[] }).TransactItems?.length ?? 0;
        if (context.commandName === 'PutCommand' || context.commandName === 'PutItemCommand') calls.written += 1;
      }
      return next(args);
    },
    { step: 'initialize', name: 'benchCallCounter' },
  );
  (await stripeFor('test')).on('request', () => {
    const calls = counting.getStore();
    if (calls) calls.stripe += 1;
  });
};

/** The floor: what any webhook must do (verify, record once) and nothing else. */
const floor = publicRoute({}, async ({ event }) => {
  const verified = Stripe.webhooks.constructEvent(rawBody(event), header(event, 'stripe-signature') ?? '', (await getSecret('stripeWebhookSecrets')).test[0] as string, 300);
  await db().send(
    new PutCommand({
      TableName: tableName(),
      Item: { ...keys.stripeEvent(`${verified.id}-floor`), type: 'benchFloor' },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return { received: true };
});

const apiGatewayEvent = (payload: string, signature: string): APIGatewayProxyEventV2 => ({
  version: '2.0',
  routeKey: 'POST /webhooks/stripe',
  rawPath: '/webhooks/stripe',
  rawQueryString: '',
  headers: { 'content-type': 'application/json', 'stripe-signature': signature },
  requestContext: {
    accountId: 'local',
    apiId: 'local',
    domainName: 'localhost',
    domainPrefix: 'localhost',
    http: { method: 'POST', path: '/webhooks/stripe', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
    requestId: randomUUID(),
    routeKey: 'POST /webhooks/stripe',
    stage: '$default',
    time: new Date().toISOString(),
    timeEpoch: Date.now(),
  },
  body: payload,
  isBase64Encoded: false,
});

const sign = (payload: string, secret: string) => {
  const timestamp = Math.floor(Date.now() / 1000);
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex')}`;
};

type Handler = (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode?: number; body?: string }>;

interface Measured {
  type: string;
  ms: number;
  calls: Calls;
  status: number;
}

/** Runs every event through a handler, `concurrency` at a time, timing each and counting its calls. */
const drive = async (handler: Handler, events: Stripe.Event[], secret: string): Promise<{ seconds: number; results: Measured[] }> => {
  const results: Measured[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < events.length) {
        const event = events[next++] as Stripe.Event;
        const payload = JSON.stringify(event);
        const calls: Calls = { dynamo: 0, stripe: 0, written: 0 };
        const t = performance.now();
        const response = await counting.run(calls, () => handler(apiGatewayEvent(payload, sign(payload, secret)), lambdaContext('bench', 10)));
        results.push({ type: event.type, ms: performance.now() - t, calls, status: response.statusCode ?? 0 });
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, results };
};

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

const summary = (label: string, { seconds, results }: { seconds: number; results: Measured[] }) => {
  const ms = results.map((result) => result.ms);
  return {
    label,
    rate: results.length / seconds,
    line: `${label.padEnd(8)} ${String(results.length).padStart(5)} events  ${(results.length / seconds).toFixed(1).padStart(7)} events/s  p50 ${percentile(ms, 50).toFixed(1)} ms  p99 ${percentile(ms, 99).toFixed(1)} ms`,
  };
};

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(values.length, 1);

export const webhooksBenchmark = async (): Promise<void> => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const spawned = await spawnLocalStack({ logName: 'bench-webhooks-stack.log' });
  process.env.TALLY_STACK_FILE = spawned.readyFile;
  const { emulatorUrl, tableName: table, dynamoEndpoint } = spawned.description;
  const emulator = new EmulatorControl(emulatorUrl);
  try {
    // The merchant, through the stack's API; rate limits off: this measures Tally, not the pacing.
    await emulator.setRateLimits(null);
    const merchant = await createMerchant();
    const accountId = await connectedMerchant(merchant, 'test');
    await fetch(new URL('/v1/merchant/settings', spawned.description.apiUrl), {
      method: 'PATCH',
      headers: { authorization: `Bearer ${merchant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ holdDays: 0 }),
    });
    await createPlan(merchant, { rate: { percentBps: 2000 } });
    const affiliate = await createAffiliate(merchant, { referralCode: unique('bench') });
    const secret = (await emulator.webhookEndpoints({ mode: 'test' })).find((endpoint) => endpoint.connect)?.secret as string;

    // The handlers run here, against the stack's services, configured as the stack configures them.
    Object.assign(process.env, {
      TALLY_RUNTIME: 'local',
      TALLY_TABLE_NAME: table,
      TALLY_DYNAMODB_ENDPOINT: dynamoEndpoint,
      STRIPE_API_BASE: emulatorUrl,
      STRIPE_SECRET_KEY_TEST: emulatorCredentials.secretKeys.test,
      STRIPE_WEBHOOK_SECRETS_TEST: secret,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    const { handler } = (await import('../lambdas/handlers/http/stripe-webhook')) as { handler: Handler };
    await countCalls();
    // Both handlers log at the same level: the floor logs nothing, so neither logs each event here.
    logger.setLogLevel('WARN');

    console.log(`making ${subscriptions} subscriptions and ${payments} one-off payments through Checkout (undelivered)…`);
    const flows: Stripe.Event[][] = [];
    const scope = { account: accountId, deliver: false };
    for (let i = 0; i < subscriptions + payments; i++) {
      const subscription = i < subscriptions;
      const { events } = await emulator.simulateCheckout({
        ...scope,
        kind: subscription ? 'subscription' : 'payment',
        customer: { email: `buyer${i}@bench.example.com` },
        clientReferenceId: affiliate.referralCode,
        lineItems: [{ product: { id: `prod_bench${i % 5}` }, unitAmount: 1_000 + i, ...(subscription ? { recurring: { interval: 'month' } } : {}) }],
      });
      flows.push(events.filter((event) => purchaseTypes.includes(event.type)));
    }
    // Stripe's order within each customer's flow; customers interleaved, as many buy at once.
    const events = Array.from({ length: Math.max(...flows.map((flow) => flow.length)) }, (_, step) => flows.flatMap((flow) => flow[step] ?? [])).flat();
    const warmup = (copyOf: string) => events.slice(0, 20).map((event) => ({ ...event, id: `${event.id}-${copyOf}` }));

    await drive(floor as unknown as Handler, warmup('warm-floor'), secret);
    const floorRun = await drive(floor as unknown as Handler, events, secret);
    await drive(handler, warmup('warm-real'), secret);
    const stripeBefore = await emulator.requestCount({ account: accountId });
    const realRun = await drive(handler, events, secret);
    const stripeLogged = (await emulator.requestCount({ account: accountId })) - stripeBefore;

    const failed = realRun.results.filter((result) => result.status !== 200);
    const floorFigures = summary('floor', floorRun);
    const realFigures = summary('webhook', realRun);
    console.log(`\n${events.length} purchase events, ${concurrency} in flight, handlers invoked in-process against the local stack:`);
    console.log(floorFigures.line);
    console.log(realFigures.line);
    console.log(`throughput ratio: ${((100 * realFigures.rate) / floorFigures.rate).toFixed(0)} % of the floor (target ≥ 50 %)`);

    console.log('\nper event                   count  DynamoDB calls mean/max  Stripe calls mean/max  items written mean');
    const row = (label: string, of: Measured[]) => {
      const dynamo = of.map((result) => result.calls.dynamo);
      const stripe = of.map((result) => result.calls.stripe);
      console.log(
        `${label.padEnd(26)} ${String(of.length).padStart(5)}  ${mean(dynamo).toFixed(2).padStart(14)} / ${Math.max(...dynamo)}  ` +
          `${mean(stripe).toFixed(2).padStart(12)} / ${Math.max(...stripe)}  ${mean(of.map((result) => result.calls.written)).toFixed(1).padStart(18)}`,
      );
    };
    for (const type of purchaseTypes) row(type, realRun.results.filter((result) => result.type === type));
    row('all purchase events', realRun.results);
    row('floor', floorRun.results);
    const all = realRun.results;
    console.log(`Stripe calls counted by the SDK hook: ${all.reduce((sum, r) => sum + r.calls.stripe, 0)}, by the emulator's request log: ${stripeLogged}`);
    console.log('target: a purchase event makes at most 3 DynamoDB calls and at most 1 Stripe call, at ≥ 50 % of the floor\'s throughput');
    if (failed.length) console.log(`WARNING: ${failed.length} events did not answer 200 (statuses ${[...new Set(failed.map((result) => result.status))].join(', ')})`);
  } finally {
    await spawned.stop();
  }
};
