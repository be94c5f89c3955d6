import { BatchWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { addFields } from '../lambdas/stats/fields';
import { type BucketCounters, bucketId, bucketsOf, counterUpdate, fieldsOf, type StatsDelta } from '../lambdas/stats/counters';
import { addDays } from '../lambdas/stats/period';
import * as Stats from '../lambdas/stats/stats';
import { db, tableName } from '../lambdas/store/db';
import { counterShards, keys } from '../lambdas/store/keys';
import { spawnLocalStack } from '../test/support/spawn-stack';

/**
 * `npm run bench -- stats`: what the stats call over 366 days reads, for a merchant with 1,000 and
 * one with 100,000 purchases (and a visit per purchase, a lead per ten, a refund per twenty), 50
 * affiliates each. The read goes through the real code path (`Stats.forPeriod`, as the Lambda runs
 * it) against DynamoDB Local, with a client middleware counting queries, pages, items and read
 * capacity; the same call over HTTP is timed too.
 *
 * How the data gets there: running 100,000 webhook transactions would take most of an hour, so the
 * counters are written as those transactions would leave them — the same deltas merged per item by
 * the same functions (`bucketsOf`, `fieldsOf`) and stored with the same update (`counterUpdate`),
 * day totals spread over the shards at random as concurrent webhooks spread them. Beside them, one
 * ledger-sized item per purchase goes into the same partition with BatchWriteItem, so a read that
 * scanned the partition instead of the counter range would show it.
 */
const scales = [1_000, 100_000];
const affiliateCount = 50;
const periodDays = 366;

const today = () => new Date().toISOString().slice(0, 10);

/** A deterministic stream of numbers in [0, n), so both runs are reproducible. */
const generator = (seed: number) => (n: number) => {
  seed = (seed * 48271) % 2147483647;
  return seed % n;
};

const deltasFor = (merchantId: string, affiliateIds: string[], purchases: number): StatsDelta[] => {
  const next = generator(purchases);
  const start = Date.parse(`${addDays(today(), -(periodDays - 1))}T00:00:00Z`);
  const deltas: StatsDelta[] = [];
  for (let i = 0; i < purchases; i++) {
    const at = new Date(start + next(periodDays * 86_400) * 1000);
    const affiliateId = next(5) === 0 ? null : (affiliateIds[next(affiliateIds.length)] as string);
    const currency = next(10) === 0 ? 'eur' : 'usd';
    const amount = 500 + next(19_500);
    const base = { merchantId, mode: 'live' as const, at, affiliateId };
    deltas.push({ ...base, sales: { count: 1, amount: { amount, currency } }, commissionsEarned: affiliateId ? { amount: Math.round(amount / 10), currency } : undefined });
    deltas.push({ ...base, visits: 1, leads: i % 10 === 0 ? 1 : 0 });
    if (i % 20 === 0) deltas.push({ ...base, refunds: { count: 1, amount: { amount, currency } }, commissionsReversed: affiliateId ? { amount: Math.round(amount / 10), currency } : undefined });
  }
  return deltas;
};

/** The counter items the deltas' transactions would leave, each write on a random shard. */
const counterItems = (deltas: StatsDelta[]): { counters: BucketCounters; shard: number }[] => {
  const next = generator(deltas.length + 1);
  const items = new Map<string, { counters: BucketCounters; shard: number }>();
  for (const delta of deltas) {
    const fields = fieldsOf(delta);
    for (const bucket of bucketsOf(delta)) {
      const shard = next(counterShards);
      const id = `${bucketId(bucket)}|${shard}`;
      const item = items.get(id) ?? { counters: { bucket, fields: {} }, shard };
      addFields(item.counters.fields, fields);
      items.set(id, item);
    }
  }
  return [...items.values()];
};

const inParallel = async <T>(work: T[], width: number, run: (item: T) => Promise<unknown>) => {
  let index = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (index < work.length) await run(work[index++] as T);
  }));
};

/** About the size of a purchase item, one per guest customer (the ledger no longer shares the counters' partition). */
const ledgerFiller = async (merchantId: string, purchases: number) => {
  const batches = Array.from({ length: Math.ceil(purchases / 25) }, (_, b) => b);
  await inParallel(batches, 16, async (b) => {
    const puts = Array.from({ length: Math.min(25, purchases - b * 25) }, (_, i) => ({
      PutRequest: {
        Item: { ...keys.ledgerPurchase(merchantId, 'live', `guest:bench${b}x${i}`, `pi_bench${b}x${i}`), type: 'benchFiller', body: 'x'.repeat(600) },
      },
    }));
    let pending: unknown[] = puts;
    while (pending.length) {
      const result = await db().send(new BatchWriteCommand({ RequestItems: { [tableName()]: pending as never } }));
      pending = result.UnprocessedItems?.[tableName()] ?? [];
      if (pending.length) await sleep(50);
    }
  });
};

interface ReadCount {
  queries: number;
  items: number;
  batchGets: number;
  readUnits: number;
}

/** Counts what one stats call reads, seen from the DynamoDB client it really uses. */
const readCounter = () => {
  const count: ReadCount = { queries: 0, items: 0, batchGets: 0, readUnits: 0 };
  db().middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const output = result.output as { Count?: number; ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] };
      if (context.commandName === 'QueryCommand') {
        count.queries += 1;
        count.items += output.Count ?? 0;
      }
      if (context.commandName === 'BatchGetItemCommand') count.batchGets += 1;
      for (const consumed of [output.ConsumedCapacity ?? []].flat()) count.readUnits += consumed.CapacityUnits ?? 0;
      return result;
    },
    { step: 'initialize', name: 'benchReadCounter' },
  );
  return {
    take: (): ReadCount => {
      const taken = { ...count };
      Object.assign(count, { queries: 0, items: 0, batchGets: 0, readUnits: 0 });
      return taken;
    },
  };
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export const statsReads = async (): Promise<void> => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const spawned = await spawnLocalStack({ logName: 'bench-stats-stack.log' });
  const { apiUrl, operatorKey, tableName: table, dynamoEndpoint } = spawned.description;
  Object.assign(process.env, {
    TALLY_TABLE_NAME: table,
    TALLY_DYNAMODB_ENDPOINT: dynamoEndpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  const call = async (method: string, path: string, key: string, body?: unknown) => {
    const response = await fetch(new URL(path, apiUrl), {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  try {
    const counter = readCounter();
    const rows: string[][] = [];
    for (const purchases of scales) {
      const created = await call('POST', '/v1/merchants', operatorKey, { name: `Bench ${purchases}` });
      const merchantId: string = created.merchant.id;
      const affiliateIds: string[] = [];
      for (let i = 0; i < affiliateCount; i++)
        affiliateIds.push((await call('POST', '/v1/affiliates', created.apiKey, { email: `a${i}@bench.example.com`, name: `Affiliate ${i}` })).id);

      const started = Date.now();
      const items = counterItems(deltasFor(merchantId, affiliateIds, purchases));
      await inParallel(items, 32, ({ counters, shard }) => db().send(new UpdateCommand({ TableName: table, ...counterUpdate(counters, shard) })));
      await ledgerFiller(merchantId, purchases);
      console.log(`${purchases} purchases: ${items.length} counter items and ${purchases} ledger-sized items written in ${((Date.now() - started) / 1000).toFixed(1)} s`);

      const period = { from: addDays(today(), -(periodDays - 1)), to: today() };
      counter.take();
      const stats = await Stats.forPeriod(merchantId, 'live', period);
      const reads = counter.take();
      const timings: number[] = [];
      for (let run = 0; run < 5; run++) {
        const t = Date.now();
        await call('GET', `/v1/stats?from=${period.from}&to=${period.to}`, created.apiKey);
        timings.push(Date.now() - t);
      }
      rows.push([
        purchases.toLocaleString('en-US'),
        String(stats.sales.count),
        String(reads.queries),
        String(reads.items),
        String(reads.batchGets),
        reads.readUnits.toFixed(1),
        String(median(timings)),
      ]);
    }
    const header = ['purchases', 'sales seen', 'query pages', 'items read', 'batch gets', 'RCU', 'HTTP ms (median of 5)'];
    const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] as string).length)));
    const line = (cells: string[]) => cells.map((cell, i) => cell.padStart(widths[i] as number)).join('  ');
    console.log(`\nGET /v1/stats over ${periodDays} days, ${affiliateCount} affiliates:`);
    console.log(line(header));
    for (const row of rows) console.log(line(row));
    const ceiling = (periodDays + affiliateCount * (13 + 62)) * counterShards;
    console.log(
      `target: items read bounded by the calendar and the affiliates, not the purchases — at most ${counterShards} shards × (${periodDays} days ` +
        `of day totals + one item per active affiliate per month (≤ 13) and per loose day (≤ 62)) = ${ceiling.toLocaleString('en-US')} here, ` +
        `in ${counterShards} queries per range (more pages only past 1 MB), + one BatchGetItem for the top ten's names`,
    );
  } finally {
    await spawned.stop();
  }
};
