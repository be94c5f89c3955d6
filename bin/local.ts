import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { modeSchema } from '../lambdas/core/mode';
import { localStripeEventSources } from './local/eventbridge';
import { startLocalStack } from './local/stack';

/**
 * `npm start`: the whole of Tally on one machine. Flags: --in-memory (no data kept), --port,
 * --data-dir, --dynamodb-port, --sqs-port, --schedule-seconds, --eventbridge=test|live|test,live (the
 * emulator sends those modes' events by EventBridge, to /_local/events/stripe, instead of to the
 * webhook), --ready-file (a JSON description of the running stack, for tests and benchmarks),
 * --quiet (no banner), --no-demo-seed (a demo merchant created by this start gets no demo data).
 */
const { values: flags } = parseArgs({
  options: {
    'in-memory': { type: 'boolean', default: false },
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    'data-dir': { type: 'string' },
    'dynamodb-port': { type: 'string' },
    'sqs-port': { type: 'string' },
    'emulator-port': { type: 'string' },
    'schedule-seconds': { type: 'string' },
    eventbridge: { type: 'string' },
    'ready-file': { type: 'string' },
    quiet: { type: 'boolean', default: false },
    'no-demo-seed': { type: 'boolean', default: false },
  },
});

const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
const modeList = (value: string | undefined) =>
  value?.split(',').map((mode) => {
    const parsed = modeSchema.safeParse(mode.trim());
    if (!parsed.success) throw new Error(`--eventbridge takes test, live or test,live, not "${mode}"`);
    return parsed.data;
  });

const main = async () => {
  // Node 20 is this machine's runtime; the SDK's notice about its future minimum is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const stack = await startLocalStack({
    port: number(flags.port ?? process.env.PORT) ?? 3000,
    host: flags.host ?? '127.0.0.1',
    dataDir: flags['in-memory'] ? undefined : (flags['data-dir'] ?? process.env.TALLY_DATA_DIR ?? '.tally'),
    dynamoPort: number(flags['dynamodb-port']) ?? 8000,
    sqsPort: number(flags['sqs-port']) ?? 9324,
    emulatorPort: number(flags['emulator-port']) ?? 12111,
    publicUrl: process.env.TALLY_PUBLIC_URL,
    operatorKey: process.env.TALLY_OPERATOR_KEY,
    scheduleIntervalMs: flags['schedule-seconds'] ? Number(flags['schedule-seconds']) * 1000 : undefined,
    eventBridgeModes: modeList(flags.eventbridge),
    demoSeed: !flags['no-demo-seed'],
    log: (line) => console.error(line),
  });

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await stack.stop().catch((error: unknown) => console.error('Shutdown failed', error));
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGHUP', () => void shutdown(0));
  process.on('uncaughtException', (error) => {
    console.error('Uncaught exception; stopping the local stack', error);
    void shutdown(1);
  });

  const description = {
    apiUrl: stack.apiUrl,
    publicUrl: stack.publicUrl,
    operatorKey: stack.operatorKey,
    tableName: stack.tableName,
    dynamoEndpoint: stack.dynamoEndpoint,
    sqsEndpoint: stack.sqsEndpoint,
    queues: stack.queues,
    emulatorUrl: stack.emulatorUrl,
    stripeDelivery: stack.stripeDelivery,
    demo: stack.demo,
    demoSeed: stack.demoSeed,
    pid: process.pid,
  };
  if (flags['ready-file']) writeFileSync(flags['ready-file'], JSON.stringify(description, null, 2));
  if (!flags.quiet)
    console.log(
      [
        '',
        '  Tally is running locally',
        '',
        `  API               ${stack.apiUrl}            (try: curl ${stack.apiUrl}/health)`,
        `  DynamoDB Local    ${stack.dynamoEndpoint}    table "${stack.tableName}"`,
        `  SQS server        ${stack.sqsEndpoint}`,
        `  Stripe            ${stack.emulatorUrl ? `emulator at ${stack.emulatorUrl}` : `Stripe itself (${process.env.STRIPE_API_BASE ?? 'api.stripe.com'})`}`,
        ...(['test', 'live'] as const).map((mode) =>
          stack.stripeDelivery[mode] === 'eventbridge'
            ? `    ${mode} events     by EventBridge: POST ${stack.apiUrl}/_local/events/stripe?mode=${mode} (source ${localStripeEventSources[mode]})`
            : `    ${mode} events     by webhook: POST ${stack.apiUrl}/webhooks/stripe`,
        ),
        '',
        `  Console           ${stack.publicUrl}/console/`,
        `    sign in as ${stack.demo.ownerEmail ?? 'the demo owner'} (link works once, 15 minutes):`,
        `    ${stack.demoSignInLink}`,
        `  Affiliate portal  ${stack.publicUrl}/portal/   (invite an affiliate: POST /v1/affiliates/{id}/invite)`,
        `  Local outbox      ${stack.apiUrl}/_local/mail   (sign-in links and invitations land here)`,
        '',
        `  Operator key      ${stack.operatorKey}`,
        `  Demo merchant     ${stack.demo.merchantId}`,
        `    API key         ${stack.demo.apiKey}`,
        `    tracking key    ${stack.demo.trackingKey}`,
        ...(stack.demoSeed?.seeded ? [`    demo data       ${stack.demoSeed.summary}`] : []),
        ...(stack.demoSeed && !stack.demoSeed.seeded ? [`  WARNING: ${stack.demoSeed.summary} (a fresh data directory seeds again)`] : []),
        '',
        `  curl -H "Authorization: Bearer ${stack.demo.apiKey}" ${stack.apiUrl}/v1/affiliates`,
        // A seeded demo is connected in test mode already; otherwise connect from the console's Stripe page.
        ...(stack.demoSeed?.seeded ? [] : [`  Connect Stripe (test mode): the console's Stripe page, ${stack.publicUrl}/console/stripe?mode=test`]),
        '',
        '  Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
};

main().catch((error: unknown) => {
  console.error('The local stack could not start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
