import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import type Stripe from 'stripe';
import { EmulatorControl } from '../bin/stripe-emulator/client';
import { STRIPE_RATE_LIMITS } from '../bin/stripe-emulator/config';
import * as Affiliates from '../lambdas/affiliates/affiliate';
import type { CouponResyncJob } from '../lambdas/coupon-sync/job';
import { db, tableName } from '../lambdas/store/db';
import { keys } from '../lambdas/store/keys';
import { createMerchant, type TestMerchant } from '../test/support/factories';
import { spawnLocalStack } from '../test/support/spawn-stack';
import { useStackTable } from '../test/support/stack';
import { connectedMerchant, stripeClient } from '../test/support/stripe';

/**
 * `npm run bench -- resync`: a bulk coupon resync of 10,000 affiliates on one live account, through
 * the local stack's real queue, poller, worker and the Stripe emulator at Stripe's 100 requests/s.
 *
 * 1. The first full sync (a coupon and a promotion code per affiliate): wall time beside the bound,
 *    the writes it needs at 100 per second. Target: at most 1.15 × the bound.
 * 2. The same resync again with nothing changed: Stripe calls made and wall time. Target: at most
 *    2 × N/100 calls.
 * 3. The first sync again on a fresh account with a fifth of the Stripe calls answered 429 or 500:
 *    every affiliate must end `synced`, with no duplicate coupon or promotion code, and nothing left
 *    in the dead-letter queue.
 *
 * How the affiliates get there: through the affiliates module itself (`Affiliates.create`, the code
 * behind `POST /v1/affiliates`), called from this process against the stack's DynamoDB Local, 50 at
 * a time — the same items and code claims, without 10,000 HTTP round trips. Auto-sync is off while
 * they are created, so nothing is queued until the resync starts.
 */
const affiliateCount = 10_000;
const mode = 'live' as const;
const faultShare = { share429: 0.1, share500: 0.1 };

const inParallel = async <T>(work: T[], width: number, run: (item: T) => Promise<unknown>) => {
  let index = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (index < work.length) await run(work[index++] as T);
    }),
  );
};

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface Account extends TestMerchant {
  accountId: string;
}

export const resyncBenchmark = async (): Promise<void> => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const spawned = await spawnLocalStack({ logName: 'bench-resync-stack.log' });
  process.env.TALLY_STACK_FILE = spawned.readyFile;
  useStackTable();
  const { apiUrl, emulatorUrl, sqsEndpoint, queues } = spawned.description;
  const emulator = new EmulatorControl(emulatorUrl);
  const sqs = new SQSClient({ endpoint: sqsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

  const call = async <T>(method: string, path: string, key: string, body?: unknown): Promise<T> => {
    const response = await fetch(new URL(path, apiUrl), {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<T>;
  };

  const accountWithAffiliates = async (label: string): Promise<Account> => {
    const merchant = await createMerchant({ name: `Bench ${label}` });
    const accountId = await connectedMerchant(merchant, mode);
    const started = Date.now();
    await inParallel(
      Array.from({ length: affiliateCount }, (_, i) => i),
      50,
      (i) =>
        Affiliates.create(merchant.merchantId, {
          email: `a${i}@${label}.bench.example.com`,
          couponCode: `${label.toUpperCase()}-${i}`,
          discount: { percentOff: 5 + (i % 20), duration: 'once' },
        }),
    );
    console.log(`${label}: ${affiliateCount.toLocaleString('en-US')} affiliates created in ${seconds(Date.now() - started)}`);
    return { ...merchant, accountId };
  };

  /** Stripe's request log: its last sequence number, and what an account saw after one. */
  const lastSeq = async () => (await emulator.requests()).at(-1)?.seq ?? 0;
  const callsSince = (accountId: string, sinceSeq: number) => emulator.requests({ account: accountId, sinceSeq });

  const runJob = async (account: Account) => {
    const sinceSeq = await lastSeq();
    const started = Date.now();
    const { job } = await call<{ job: CouponResyncJob }>('POST', `/v1/coupon-resync?mode=${mode}`, account.apiKey);
    for (;;) {
      await sleep(250);
      const current = await call<CouponResyncJob>('GET', `/v1/coupon-resync/${job.id}`, account.apiKey);
      if (current.status === 'completed') {
        const calls = await callsSince(account.accountId, sinceSeq);
        return { job: current, wallMs: Date.now() - started, calls };
      }
    }
  };

  const describeJob = (job: CouponResyncJob) =>
    `total ${job.total}, synced ${job.synced}, unchanged ${job.unchanged}, failed ${job.failed}, conflicts ${job.conflicts}`;

  /** Every affiliate's status in the mode, read from the table. */
  const statuses = async (merchantId: string) => {
    const counts = new Map<string, number>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await db().send(
        new QueryCommand({
          TableName: tableName(),
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.affiliates(merchantId).pk, ':prefix': keys.affiliates(merchantId).skPrefix },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const status = (item as Affiliates.StoredAffiliate).couponSync[mode].status;
        counts.set(status, (counts.get(status) ?? 0) + 1);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return Object.fromEntries(counts);
  };

  /** Every object of a kind on the account, read with Stripe's own list calls (rate limits lifted meanwhile). */
  const listAll = async <T extends { id: string }>(list: (startingAfter?: string) => Promise<Stripe.ApiList<T>>) => {
    const all: T[] = [];
    let startingAfter: string | undefined;
    for (;;) {
      const page = await list(startingAfter);
      all.push(...page.data);
      if (!page.has_more) return all;
      startingAfter = page.data.at(-1)?.id;
    }
  };

  const duplicates = async (account: Account) => {
    const stripe = stripeClient(mode);
    const options = { stripeAccount: account.accountId };
    const promos = await listAll((starting_after) => stripe.promotionCodes.list({ limit: 100, starting_after }, options));
    const coupons = await listAll((starting_after) => stripe.coupons.list({ limit: 100, starting_after }, options));
    const perAffiliate = (objects: { metadata: Record<string, string> | null }[]) => {
      const counts = new Map<string, number>();
      for (const object of objects) {
        const id = object.metadata?.tally_affiliate_id ?? 'none';
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return [...counts.values()].filter((count) => count > 1).length;
    };
    return { promos: promos.length, coupons: coupons.length, duplicatePromos: perAffiliate(promos), duplicateCoupons: perAffiliate(coupons) };
  };

  const deadLetters = async () => {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queues.resync!.deadLetterUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
  };

  try {
    await emulator.setRateLimits(STRIPE_RATE_LIMITS);
    const limit = STRIPE_RATE_LIMITS[mode];
    console.log(`Stripe emulator: ${limit} requests/s per account in ${mode} mode; ${affiliateCount.toLocaleString('en-US')} affiliates, one account`);

    const clean = await accountWithAffiliates('clean');
    const first = await runJob(clean);
    const writes = first.calls.filter((request) => request.method === 'POST' && request.status === 200).length;
    const bound = (2 * affiliateCount) / limit;
    console.log(`\n1. first full sync: ${describeJob(first.job)}`);
    console.log(`   wall time ${seconds(first.wallMs)} beside the bound ${bound.toFixed(1)} s (${(2 * affiliateCount).toLocaleString('en-US')} writes needed ÷ ${limit}/s)`);
    console.log(`   ratio ${(first.wallMs / 1000 / bound).toFixed(3)} × the bound — target ≤ 1.15`);
    console.log(
      `   Stripe calls ${first.calls.length} (${writes} writes, ${first.calls.filter((request) => request.status === 429).length} answered 429)`,
    );

    const again = await runJob(clean);
    console.log(`\n2. resync with nothing changed: ${describeJob(again.job)}`);
    console.log(
      `   Stripe calls ${again.calls.length} (${again.calls.filter((request) => request.method === 'POST').length} writes) — target ≤ ${(2 * affiliateCount) / 100}` +
        `; wall time ${seconds(again.wallMs)}`,
    );

    const faulty = await accountWithAffiliates('faulty');
    await emulator.setFaults([{ ...faultShare, seed: 42, match: { account: faulty.accountId } }]);
    let faulted;
    try {
      faulted = await runJob(faulty);
    } finally {
      await emulator.setFaults([]);
    }
    console.log(`\n3. first full sync with ${(faultShare.share429 + faultShare.share500) * 100} % of calls answered 429 or 500: ${describeJob(faulted.job)}`);
    console.log(
      `   wall time ${seconds(faulted.wallMs)} (bound without faults ${bound.toFixed(1)} s); Stripe calls ${faulted.calls.length}, ` +
        `${faulted.calls.filter((request) => request.faulted).length} of them faulted`,
    );
    await emulator.setRateLimits(null);
    try {
      const objects = await duplicates(faulty);
      console.log(`   affiliates by status: ${JSON.stringify(await statuses(faulty.merchantId))} — target: all ${affiliateCount} synced`);
      console.log(
        `   on the account: ${objects.promos} promotion codes, ${objects.coupons} coupons; affiliates with more than one: ` +
          `${objects.duplicatePromos} promotion codes, ${objects.duplicateCoupons} coupons — target: 0 and 0`,
      );
    } finally {
      await emulator.setRateLimits(STRIPE_RATE_LIMITS);
    }
    console.log(`   dead-letter queue: ${await deadLetters()} messages — target: 0`);
  } finally {
    await spawned.stop();
  }
};
