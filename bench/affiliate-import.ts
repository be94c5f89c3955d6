import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { lambdaContext } from '../bin/local/lambda-runtime';
import { setTimeout as sleep } from 'node:timers/promises';
import { createQueue, startPoller } from '../bin/local/sqs';
import { httpRoutes, queueConsumers } from '../lambdas/functions';
import { logger } from '../lambdas/core/logger';
import { sqs } from '../lambdas/core/sqs';
import { db } from '../lambdas/store/db';
import { api } from '../test/support/api';
import { createAffiliate, createMerchant, type TestMerchant, unique } from '../test/support/factories';
import { spawnLocalStack } from '../test/support/spawn-stack';
import { connectedMerchant } from '../test/support/stripe';

/**
 * `npm run bench -- import`: `POST /v1/affiliates/import` with 1,000 and 10,000 valid rows, and a
 * file of 1,000 rows of which some are bad, for a merchant connected in test mode with auto-sync
 * on (so every row with a coupon code also queues its sync: the heaviest path). 1,000 rows are
 * created within the request (200); 10,000 become an import job (202), timed until it completes.
 *
 * The route's own handler runs in this process, invoked as Lambda invokes it, against the local
 * stack's DynamoDB Local and SQS server, and so does the history queue's consumer, fed from a queue
 * of the bench's own as Lambda's event source mapping would (the stack's consumer never sees the
 * job); the coupon syncs go to a queue of their own that nothing polls, so no sync competes with
 * the import for the machine. DynamoDB and SQS calls are counted by a middleware on the handler's
 * and the consumer's clients; memory is sampled every 10 ms during the import, and its peak is
 * given above what the process held just before. Target: 1,000 rows answered well inside the
 * route's timeout; 10,000 rows answered 202 at once and every row created by the job.
 */
const route = httpRoutes.find((candidate) => candidate.handler === 'import-affiliates');
const consumer = queueConsumers.find((candidate) => candidate.handler === 'stripe-history');

type Handler = (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode?: number; body?: string }>;
type QueueHandler = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

interface ImportAnswer {
  created: number;
  failed: number;
  rows: { row: number; status: 'created' | 'failed'; error?: { type: string } }[];
}

interface CallFigures {
  count: number;
  ms: number;
  /** Calls refused, by the reason: a transaction cancelled by contention is retried by store/transaction.ts. */
  refused: Map<string, number>;
}
const calls = new Map<string, CallFigures>();

/** Counts and times one call of the handler's clients, and why it was refused if it was. */
const metered = async <T>(commandName: string | undefined, call: () => Promise<T>): Promise<T> => {
  const name = (commandName ?? 'unknown').replace(/Command$/, '');
  const figures = calls.get(name) ?? { count: 0, ms: 0, refused: new Map<string, number>() };
  calls.set(name, figures);
  figures.count += 1;
  const started = performance.now();
  try {
    return await call();
  } catch (error) {
    const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
    const reason = reasons?.map((entry) => entry.Code).find((code) => code && code !== 'None') ?? (error as Error).name;
    figures.refused.set(reason, (figures.refused.get(reason) ?? 0) + 1);
    throw error;
  } finally {
    figures.ms += performance.now() - started;
  }
};

const meterCalls = () => {
  const options = { step: 'initialize', name: 'benchImportCallMeter' } as const;
  db().middlewareStack.add((next, context) => (args) => metered(context.commandName, () => next(args)), options);
  sqs().middlewareStack.add((next, context) => (args) => metered(context.commandName, () => next(args)), options);
};

const describeCalls = (rows: number) => {
  const all = [...calls].sort((a, b) => b[1].count - a[1].count);
  const total = all.reduce((sum, [, figures]) => sum + figures.count, 0);
  const each = all.map(([name, { count: n, ms, refused }]) => {
    const refusals = [...refused].map(([reason, times]) => `${count(times)} ${reason}`).join(', ');
    return `${name} ${count(n)} (mean ${(ms / n).toFixed(1)} ms${refusals ? `; refused: ${refusals}` : ''})`;
  });
  return `calls ${count(total)} (${(total / rows).toFixed(2)} per row): ${each.join(', ')}`;
};

/** The highest RSS and heap seen while `work` runs, above what they were when it started. */
const peakMemory = async <T>(work: () => Promise<T>) => {
  const before = process.memoryUsage();
  let rss = before.rss;
  let heap = before.heapUsed;
  const sample = setInterval(() => {
    const now = process.memoryUsage();
    rss = Math.max(rss, now.rss);
    heap = Math.max(heap, now.heapUsed);
  }, 10);
  try {
    const result = await work();
    return { result, rssMb: (rss - before.rss) / 2 ** 20, heapMb: (heap - before.heapUsed) / 2 ** 20, peakRssMb: rss / 2 ** 20 };
  } finally {
    clearInterval(sample);
  }
};

const apiGatewayEvent = (apiKey: string, csv: string): APIGatewayProxyEventV2 => ({
  version: '2.0',
  routeKey: 'POST /v1/affiliates/import',
  rawPath: '/v1/affiliates/import',
  rawQueryString: '',
  headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'text/csv' },
  requestContext: {
    accountId: 'local',
    apiId: 'local',
    domainName: 'localhost',
    domainPrefix: 'localhost',
    http: { method: 'POST', path: '/v1/affiliates/import', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
    requestId: randomUUID(),
    routeKey: 'POST /v1/affiliates/import',
    stage: '$default',
    time: new Date().toISOString(),
    timeEpoch: Date.now(),
  },
  // API Gateway base64-encodes a text/csv body.
  body: Buffer.from(csv).toString('base64'),
  isBase64Encoded: true,
});

const header = 'email,name,referralCode,couponCode,percentOff,amountOff,currency,duration,durationInMonths';
/** A valid row; a third have no coupon code, as many programs give some affiliates only a link. */
const validRow = (tag: string, i: number) =>
  i % 3 === 2
    ? `${tag}-${i}@bench.example.com,Affiliate ${i},,,,,,,`
    : `${tag}-${i}@bench.example.com,"Affiliate, ${i}",${tag}-r${i},${tag}-C${i},${5 + (i % 20)},,,once,`;

const count = (value: number) => value.toLocaleString('en-US');

export const affiliateImportBenchmark = async (): Promise<void> => {
  if (!route?.timeoutSeconds) throw new Error('lambdas/functions.ts has no import-affiliates route with its own timeout');
  if (!consumer) throw new Error('lambdas/functions.ts has no stripe-history queue consumer');
  const timeoutSeconds = route.timeoutSeconds;
  let stopConsumer = async () => {};
  const spawned = await spawnLocalStack({ logName: 'bench-import-stack.log' });
  process.env.TALLY_STACK_FILE = spawned.readyFile;
  const { tableName, dynamoEndpoint, sqsEndpoint, apiUrl } = spawned.description;
  try {
    const merchant = await createMerchant();
    await connectedMerchant(merchant, 'test');
    const patched = await api('PATCH', '/v1/merchant/settings', { key: merchant.apiKey, body: { autoSyncCoupons: true } });
    if (patched.status !== 200) throw new Error(`turning auto-sync on: ${patched.status} ${JSON.stringify(patched.body)}`);

    const local = new SQSClient({ endpoint: sqsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const prefix = `bench-import-${Date.now()}`;
    const syncQueue = await createQueue(local, 'resync', prefix);
    const historyQueue = await createQueue(local, 'history', prefix);
    Object.assign(process.env, {
      TALLY_RUNTIME: 'local',
      TALLY_TABLE_NAME: tableName,
      TALLY_DYNAMODB_ENDPOINT: dynamoEndpoint,
      TALLY_SQS_ENDPOINT: sqsEndpoint,
      TALLY_RESYNC_QUEUE_URL: syncQueue.url,
      TALLY_HISTORY_QUEUE_URL: historyQueue.url,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    const { handler } = (await import('../lambdas/handlers/http/import-affiliates')) as unknown as { handler: Handler };
    const { handler: historyHandler } = (await import('../lambdas/handlers/queue/stripe-history')) as unknown as { handler: QueueHandler };
    const poller = startPoller({
      client: local,
      queue: historyQueue,
      batchSize: consumer.batchSize,
      maxConcurrency: consumer.maxConcurrency,
      invoke: (event) => historyHandler(event, lambdaContext(consumer.handler, consumer.timeoutSeconds)),
      onError: (error) => console.error('history consumer:', error),
    });
    stopConsumer = () => poller.stop();
    meterCalls();
    logger.setLogLevel('ERROR');

    /** The job's figures once it completed, polled as a client would. */
    const completedJob = async (target: TestMerchant, jobId: string) => {
      for (;;) {
        const { body } = await api('GET', `/v1/imports/${jobId}`, { key: target.apiKey });
        if (body.status === 'completed') return body as ImportAnswer & { total: number; rowsIncluded: 'all' | 'failed' };
        await sleep(250);
      }
    };

    const run = async (label: string, target: TestMerchant, csv: string) => {
      calls.clear();
      const started = performance.now();
      let answeredSeconds = 0;
      const { result, rssMb, heapMb, peakRssMb } = await peakMemory(async () => {
        const response = await handler(apiGatewayEvent(target.apiKey, csv), lambdaContext(route.handler, timeoutSeconds));
        answeredSeconds = (performance.now() - started) / 1000;
        if (response.statusCode === 200) return { status: 200, answer: JSON.parse(response.body ?? '{}') as ImportAnswer, total: 0, rowsIncluded: 'all' };
        if (response.statusCode !== 202) throw new Error(`${label}: ${response.statusCode} ${response.body}`);
        const { job } = JSON.parse(response.body ?? '{}') as { job: { id: string } };
        const done = await completedJob(target, job.id);
        return { status: 202, answer: done, total: done.total, rowsIncluded: done.rowsIncluded };
      });
      const seconds = (performance.now() - started) / 1000;
      const { answer } = result;
      const rows = result.status === 200 ? answer.rows.length : result.total;
      const failures = new Map<string, number>();
      for (const row of answer.rows) if (row.error) failures.set(row.error.type, (failures.get(row.error.type) ?? 0) + 1);
      const outcome =
        `${count(Math.round(answer.created / seconds))} rows created/s; created ${count(answer.created)}, failed ${count(answer.failed)}` +
        (failures.size ? ` ${JSON.stringify(Object.fromEntries(failures))}` : '');
      console.log(`\n${label}: ${count(rows)} rows, ${(csv.length / 1024).toFixed(0)} KB`);
      if (result.status === 200) console.log(`   answered 200 in ${seconds.toFixed(2)} s (timeout ${timeoutSeconds} s), ${outcome}`);
      else
        console.log(
          `   answered 202 in ${answeredSeconds.toFixed(2)} s (timeout ${timeoutSeconds} s); the job completed ${seconds.toFixed(2)} s after the request, ` +
            `${outcome}; its GET lists ${result.rowsIncluded} rows`,
        );
      console.log(`   ${describeCalls(rows)}`);
      console.log(`   memory: peak heap +${heapMb.toFixed(0)} MB, peak RSS +${rssMb.toFixed(0)} MB (process RSS ${peakRssMb.toFixed(0)} MB)`);
      return { answer, seconds };
    };

    const freshMerchant = async () => {
      const next = await createMerchant();
      await connectedMerchant(next, 'test');
      await api('PATCH', '/v1/merchant/settings', { key: next.apiKey, body: { autoSyncCoupons: true } });
      return next;
    };

    console.log(`local stack at ${apiUrl}; the import handler in this process, auto-sync on, test mode connected`);
    // A warm-up: the module loads, the SDK's first connections and DynamoDB Local's JIT (its first
    // few hundred transactions are several times slower) are not the import's.
    const warmTag = unique('w');
    await run('warm-up', merchant, `${header}\n${Array.from({ length: 500 }, (_, i) => validRow(warmTag, i)).join('\n')}\n`);

    for (const size of [1_000, 10_000]) {
      const tag = unique('b');
      const { answer } = await run(`${count(size)} valid rows`, await freshMerchant(), `${header}\n${Array.from({ length: size }, (_, i) => validRow(tag, i)).join('\n')}\n`);
      console.log(`   target: all ${count(size)} created — ${answer.created === size ? 'all created' : `${count(size - answer.created)} NOT created`}`);
    }

    // 1,000 rows, one in ten bad in one of five ways: found by the schema, within the file, or in the table.
    const mixed = await freshMerchant();
    await createAffiliate(mixed, { email: 'taken@bench.example.com', couponCode: 'TAKEN-COUPON', referralCode: 'taken-ref' });
    const tag = unique('m');
    const bad = [
      () => 'not-an-email,Bad,,,,,,,',
      (i: number) => `${tag}-${i}@bench.example.com,No currency,,${tag}-C${i},,500,,once,`,
      (i: number) => `${tag}-${i}@bench.example.com,Same coupon as row 1,,${tag}-C0,10,,,once,`,
      (i: number) => `${tag}-${i}@bench.example.com,Taken coupon,,taken-coupon,10,,,once,`,
      () => 'TAKEN@bench.example.com,Taken e-mail,,,,,,,',
    ];
    const lines = Array.from({ length: 1_000 }, (_, i) => (i % 10 === 9 ? (bad[(i - 9) / 10 % bad.length] as (i: number) => string)(i) : validRow(tag, i)));
    const { answer } = await run('1,000 rows, 100 of them bad', mixed, `${header}\n${lines.join('\n')}\n`);
    console.log(`   target: 900 created, 100 failed — ${answer.created === 900 && answer.failed === 100 ? 'as expected' : 'NOT as expected'}`);
  } finally {
    await stopConsumer();
    await spawned.stop();
  }
};
