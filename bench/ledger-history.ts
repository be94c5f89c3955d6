import { SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { invoke, type LambdaHandler } from '../bin/local/lambda-runtime';
import { createQueue, startPoller } from '../bin/local/sqs';
import { queueConsumers } from '../lambdas/functions';
import * as Payouts from '../lambdas/ledger/payouts';
import { db } from '../lambdas/store/db';
import { api } from '../test/support/api';
import { createAffiliate, createMerchant, createPlan, unique } from '../test/support/factories';
import {
  correctionDone,
  customerItem,
  customerPartition,
  daysAgo,
  eventually,
  inParallel,
  invoicePaid,
  itemSize,
  recordPurchaseEvent,
  type Subscriber,
  subscriber,
} from '../test/support/ledger';
import { spawnLocalStack } from '../test/support/spawn-stack';
import { dynamo, stack, useStackTable } from '../test/support/stack';

/**
 * `npm run bench -- ledger-history`: what one event costs as a customer's history grows, and the
 * two jobs whose size is the history's: a correction and a payout.
 *
 * 1. One customer's subscription renewed 5,000 times, one `invoice.paid` after another: for the
 *    1st, 100th, 1,000th and 5,000th renewal, the DynamoDB calls, the write and read capacity they
 *    consume and the latency. Target: WCU and RCU of the 5,000th within 1.2 × the 1st's.
 * 2. Another customer's first invoice delivered after 1,000 renewals: the time until the ledger
 *    queue's correction is done and every purchase is credited again.
 * 3. A payout of 10,000 commissions: time until it is paid, DynamoDB calls and capacity.
 *
 * The events go through the ledger's own event path (lambdas/ledger/apply.ts, with facts made by
 * lambdas/ledger/stripe-objects.ts from Stripe-shaped invoices, as `invoice.paid` makes them) in
 * this process, against the local stack's DynamoDB Local. The ledger queue's consumer
 * (`ledger-jobs`) and the payout request run here too, on a queue of the stack's SQS server that
 * only this process polls, so every DynamoDB call of the event, the correction and the payout is
 * metered by a middleware on the handlers' client. DynamoDB Local's own ConsumedCapacity is no use
 * here (a transaction reports one item's units however many it writes), so capacity is computed
 * from the items' sizes by DynamoDB's rules (`account` below).
 */
const checkpoints = [1, 100, 1_000, 5_000];
const lateRenewals = 1_000;
const payoutSize = 10_000;
/** Customers whose histories are recorded at once for the payout (each customer's events in order). */
const width = 8;
const mode = 'test' as const;

interface Usage {
  calls: number;
  wcu: number;
  rcu: number;
}

type Item = Record<string, unknown>;
interface Key {
  pk: string;
  sk: string;
}

/** What the meter reads of a call's input and output (the document client's, so items are plain objects). */
interface CallInput {
  ConsistentRead?: boolean;
  RequestItems?: Record<string, { Keys: Key[]; ConsistentRead?: boolean }>;
  Item?: Item;
  Key?: Key;
  TransactItems?: { Put?: { Item: Item }; Update?: { Key: Key }; Delete?: { Key: Key }; ConditionCheck?: { Key: Key } }[];
}
interface CallOutput {
  Item?: Item;
  Items?: Item[];
  Responses?: Record<string, Item[]>;
  UnprocessedKeys?: Record<string, { Keys?: Key[] }>;
}

const writeUnit = 1_024;
const readUnit = 4_096;
const unitsOf = (bytes: number, per: number) => Math.max(1, Math.ceil(bytes / per));

const usage: Usage = { calls: 0, wcu: 0, rcu: 0 };
/** Items a call names without showing them (updates, deletes, condition checks): sized once the measured work is over. */
let unsized: { key: Key; counts: 'wcu' | 'rcu'; per: number; times: number }[] = [];

/**
 * The capacity one call consumes, by DynamoDB's rules for the table (its indexes' entries come on
 * top): a write 1 unit per KB of the item, a strongly consistent read 1 per 4 KB (half for an
 * eventually consistent one; a query's items added up before rounding; a key read and not found 1),
 * and every item of a transaction twice, a condition check as a read.
 */
const account = (command: string, input: CallInput, output: CallOutput) => {
  const consistency = input.ConsistentRead ? 1 : 0.5;
  const later = (key: Key, counts: 'wcu' | 'rcu', times: number) =>
    unsized.push({ key: { pk: key.pk, sk: key.sk }, counts, per: counts === 'wcu' ? writeUnit : readUnit, times });
  switch (command) {
    case 'GetItemCommand':
      usage.rcu += consistency * (output.Item ? unitsOf(itemSize(output.Item), readUnit) : 1);
      return;
    case 'BatchGetItemCommand':
      for (const [table, request] of Object.entries(input.RequestItems ?? {})) {
        const found = output.Responses?.[table] ?? [];
        const missing = request.Keys.length - found.length - (output.UnprocessedKeys?.[table]?.Keys?.length ?? 0);
        usage.rcu += (request.ConsistentRead ? 1 : 0.5) * (found.reduce((sum, item) => sum + unitsOf(itemSize(item), readUnit), 0) + missing);
      }
      return;
    case 'QueryCommand':
    case 'ScanCommand':
      usage.rcu += consistency * unitsOf((output.Items ?? []).reduce((sum, item) => sum + itemSize(item), 0), readUnit);
      return;
    case 'PutItemCommand':
      usage.wcu += unitsOf(itemSize(input.Item ?? {}), writeUnit);
      return;
    case 'UpdateItemCommand':
    case 'DeleteItemCommand':
      later(input.Key as Key, 'wcu', 1);
      return;
    case 'TransactWriteItemsCommand':
      for (const item of input.TransactItems ?? []) {
        const changed = item.Update ?? item.Delete;
        if (item.Put) usage.wcu += 2 * unitsOf(itemSize(item.Put.Item), writeUnit);
        else if (changed) later(changed.Key, 'wcu', 2);
        else if (item.ConditionCheck) later(item.ConditionCheck.Key, 'rcu', 2);
      }
      return;
    default:
      throw new Error(`The capacity meter does not know ${command}`);
  }
};

/** Sizes the items the calls only named, as they are now (one deleted since counts 1 unit). */
const settleUnsized = async () => {
  const pending = unsized;
  unsized = [];
  const id = (key: Key) => `${key.pk}\n${key.sk}`;
  const distinct = [...new Map(pending.map(({ key }) => [id(key), key])).values()];
  const sizes = new Map<string, number>();
  for (let i = 0; i < distinct.length; i += 100) {
    const { Responses } = await dynamo().send(new BatchGetCommand({ RequestItems: { [stack().tableName]: { Keys: distinct.slice(i, i + 100) } } }));
    for (const item of Responses?.[stack().tableName] ?? []) sizes.set(id(item as Key), itemSize(item));
  }
  for (const { key, counts, per, times } of pending) usage[counts] += times * unitsOf(sizes.get(id(key)) ?? 0, per);
};

/** Meters every call of the handlers' client: its count and the capacity it consumes. */
const meterCapacity = () => {
  db().middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      usage.calls += 1;
      account(context.commandName ?? '', args.input as CallInput, result.output as CallOutput);
      return result;
    },
    { step: 'initialize', name: 'benchCapacityMeter' },
  );
};

type Measured = Usage & { ms: number };

/** The calls and capacity of `work`, and how long it took (sizing the items it only named comes after). */
const measure = async (work: () => Promise<unknown>): Promise<Measured> => {
  unsized = [];
  const start = { ...usage };
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  await settleUnsized();
  return { calls: usage.calls - start.calls, wcu: usage.wcu - start.wcu, rcu: usage.rcu - start.rcu, ms };
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const count = (value: number) => value.toLocaleString('en-US');
const row = (cells: (string | number)[], widths: number[]) => cells.map((cell, i) => String(cell).padStart(widths[i] as number)).join('  ');
const figures = (measured: Usage) => `${count(measured.calls)} DynamoDB calls, ${count(measured.wcu)} WCU, ${count(measured.rcu)} RCU`;

/** The `ledger-jobs` consumer in this process, on a queue of its own that the stack's poller does not read. */
const startLedgerJobs = async (sqsEndpoint: string) => {
  const sqs = new SQSClient({ endpoint: sqsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const queue = await createQueue(sqs, 'ledger', 'bench');
  process.env.TALLY_LEDGER_QUEUE_URL = queue.url;
  const consumer = queueConsumers.find((candidate) => candidate.handler === 'ledger-jobs');
  if (!consumer) throw new Error('lambdas/functions.ts has no ledger-jobs consumer');
  const { handler } = (await import('../lambdas/handlers/queue/ledger-jobs')) as unknown as { handler: LambdaHandler };
  return startPoller({
    client: sqs,
    queue,
    batchSize: consumer.batchSize,
    maxConcurrency: consumer.maxConcurrency,
    invoke: (event) => invoke(handler, consumer.handler, consumer.timeoutSeconds, event),
    onError: (error) => console.error(`ledger-jobs failed: ${(error as Error).message}`),
  });
};

export const ledgerHistoryBenchmark = async (): Promise<void> => {
  const spawned = await spawnLocalStack({ logName: 'bench-ledger-history-stack.log' });
  process.env.TALLY_STACK_FILE = spawned.readyFile;
  useStackTable();
  const poller = await startLedgerJobs(spawned.description.sqsEndpoint);
  meterCapacity();
  try {
    const merchant = await createMerchant({ name: 'Bench ledger history' });
    const settings = await api('PATCH', '/v1/merchant/settings', { key: merchant.apiKey, body: { holdDays: 0 } });
    if (settings.status !== 200) throw new Error(`settings: ${settings.status} ${JSON.stringify(settings.body)}`);
    await createPlan(merchant, { rate: { percentBps: 2000 } });
    const affiliate = await createAffiliate(merchant, { referralCode: unique('bench') });
    const scope = { merchantId: merchant.merchantId, mode };
    const checkout = { clientReferenceId: affiliate.referralCode as string };
    const credited = async (customer: Subscriber) =>
      (await customerPartition(scope, customer.customerId)).filter((item) => {
        const derived = item.derived as { purchase?: { affiliateId: string | null }; commission?: unknown } | undefined;
        return derived?.purchase?.affiliateId === affiliate.id && Boolean(derived?.commission);
      }).length;

    // 1. One customer, renewed again and again.
    const longest = checkpoints.at(-1) as number;
    const history = subscriber({ startedAt: daysAgo(longest + 10) });
    console.log(`recording one customer's first invoice and ${count(longest)} renewals, one after another…`);
    await recordPurchaseEvent(scope, invoicePaid(history, 0, checkout));
    const perEvent: Measured[] = [];
    const recording = performance.now();
    for (let n = 1; n <= longest; n++) perEvent.push(await measure(() => recordPurchaseEvent(scope, invoicePaid(history, n))));
    console.log(`  ${count(longest)} renewals in ${seconds(performance.now() - recording)}`);
    const largest = Math.max(...(await customerPartition(scope, history.customerId)).map(itemSize));
    const customerSize = itemSize((await customerItem(scope, history.customerId)) ?? {});

    console.log("\n1. a renewal (invoice.paid) as one customer's history grows");
    const widths = [8, 14, 4, 4, 10, 22];
    console.log(row(['renewal', 'DynamoDB calls', 'WCU', 'RCU', 'latency ms', 'median ms, 50 before'], widths));
    for (const n of checkpoints) {
      const event = perEvent[n - 1] as Measured;
      const before = perEvent.slice(Math.max(0, n - 51), n - 1).map((measured) => measured.ms);
      console.log(row([count(n), event.calls, event.wcu, event.rcu, event.ms.toFixed(1), before.length ? median(before).toFixed(1) : '—'], widths));
    }
    const first = perEvent[0] as Measured;
    const last = perEvent[longest - 1] as Measured;
    console.log(`the ${count(longest)}th beside the 1st: WCU ${(last.wcu / first.wcu).toFixed(2)} ×, RCU ${(last.rcu / first.rcu).toFixed(2)} × — target ≤ 1.2 ×`);
    console.log(`the customer's partition: ${count(longest + 2)} items, the largest ${count(largest)} bytes; the customer item ${count(customerSize)} bytes`);

    // 2. A first invoice after 1,000 renewals: the attribution moves back, every renewal is credited.
    const late = subscriber({ startedAt: daysAgo(lateRenewals + 10) });
    console.log(`\nrecording another customer's ${count(lateRenewals)} renewals, uncredited (their first invoice comes last)…`);
    for (let n = 1; n <= lateRenewals; n++) await recordPurchaseEvent(scope, invoicePaid(late, n));
    const uncredited = await credited(late);
    const lateEvent = await measure(() => recordPurchaseEvent(scope, invoicePaid(late, 0, checkout)));
    const correction = await measure(() => correctionDone(scope, late.customerId, 600_000));
    console.log(`\n2. the first invoice delivered after ${count(lateRenewals)} renewals (${uncredited} credited before it)`);
    console.log(`   the event: ${figures(lateEvent)}, ${lateEvent.ms.toFixed(1)} ms`);
    console.log(`   its correction on the ledger queue: done ${seconds(correction.ms)} after the event; ${figures(correction)}`);
    console.log(`   ${count(await credited(late))} of ${count(lateRenewals + 1)} purchases credited, each with its commission`);

    // 3. A payout of 10,000 commissions: the two customers' and others' to make up the number.
    const others = payoutSize - (longest + 1) - (lateRenewals + 1);
    const extra: { customer: Subscriber; renewals: number }[] = [];
    for (let left = others; left > 0; left -= 500) extra.push({ customer: subscriber({ startedAt: daysAgo(510) }), renewals: Math.min(500, left) - 1 });
    console.log(`\nrecording ${count(others)} more commissions (${extra.length} customers, ${width} at a time) for the payout…`);
    await inParallel(extra, width, async ({ customer, renewals }) => {
      await recordPurchaseEvent(scope, invoicePaid(customer, 0, checkout));
      for (let n = 1; n <= renewals; n++) await recordPurchaseEvent(scope, invoicePaid(customer, n));
    });
    let answer: Awaited<ReturnType<typeof Payouts.create>> | undefined;
    const request = await measure(async () => {
      answer = await Payouts.create(merchant.merchantId, mode, { affiliateId: affiliate.id as string });
    });
    const { payout: started, finished } = answer as NonNullable<typeof answer>;
    let paid = started;
    const rest = await measure(() =>
      eventually(
        `payout ${started.id}`,
        async () => {
          paid = (await api('GET', `/v1/payouts/${started.id}`, { key: merchant.apiKey, query: { mode } })).body;
          return paid.status === 'paid';
        },
        900_000,
      ),
    );
    const whole = { calls: request.calls + rest.calls, wcu: request.wcu + rest.wcu, rcu: request.rcu + rest.rcu };
    console.log(`\n3. a payout of every approved commission of the affiliate (${count(payoutSize)})`);
    console.log(`   the request answered ${finished ? 201 : 202} ${started.status} after ${seconds(request.ms)} (${count(started.commissionCount)} paid by then, ${count(request.calls)} DynamoDB calls)`);
    console.log(
      `   paid ${seconds(request.ms + rest.ms)} after the request began: ${count(paid.commissionCount)} commissions, ` +
        `${paid.totals.map((money) => `${count(money.amount)} ${money.currency}`).join(', ')}; ${figures(whole)} in all`,
    );
    console.log('\nWCU and RCU are computed from item sizes (table only; index entries come on top): DynamoDB Local misreports transactions.');
  } finally {
    await poller.stop();
    await spawned.stop();
  }
};
