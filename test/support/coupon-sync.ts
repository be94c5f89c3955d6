import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import Stripe from 'stripe';
import type { ResyncMessage } from '../../lambdas/coupon-sync/queue';
import { keys } from '../../lambdas/store/keys';
import { api } from './api';
import { createMerchant, type TestMerchant } from './factories';
import { dynamo, stack } from './stack';
import { connectedMerchant, emulator, stripeClient } from './stripe';

type Mode = 'live' | 'test';

/** Polls `read` until `done` holds for its value, which it returns; fails with the last value seen. */
export const eventually = async <T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<T> => {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${options.what ?? 'a condition'}; last seen: ${JSON.stringify(value)}`);
    await sleep(200);
  }
};

export interface ConnectedTestMerchant extends TestMerchant {
  accountId: string;
  mode: Mode;
}

/** A new merchant with a connected Stripe account in `mode`. */
export const merchantWithStripe = async (mode: Mode = 'test'): Promise<ConnectedTestMerchant> => {
  const merchant = await createMerchant();
  return { ...merchant, accountId: await connectedMerchant(merchant, mode), mode };
};

export const getAffiliate = async (merchant: TestMerchant, affiliateId: string) => {
  const response = await api('GET', `/v1/affiliates/${affiliateId}`, { key: merchant.apiKey });
  if (response.status !== 200) throw new Error(`get affiliate: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
};

/** The affiliate once its sync in the merchant's mode is no longer pending. */
export const settledAffiliate = (merchant: ConnectedTestMerchant, affiliateId: string, timeoutMs?: number) =>
  eventually(
    () => getAffiliate(merchant, affiliateId),
    (affiliate) => affiliate.couponSync[merchant.mode].status !== 'pending',
    { timeoutMs, what: `the coupon sync of ${affiliateId}` },
  );

export const resync = (merchant: ConnectedTestMerchant, affiliateId: string) =>
  api('POST', `/v1/affiliates/${affiliateId}/resync`, { key: merchant.apiKey, query: { mode: merchant.mode } });

export const startResyncJob = async (merchant: ConnectedTestMerchant) => {
  const response = await api('POST', '/v1/coupon-resync', { key: merchant.apiKey, query: { mode: merchant.mode } });
  if (response.status !== 202) throw new Error(`start resync: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.job;
};

export const finishedJob = (merchant: TestMerchant, jobId: string, timeoutMs = 60_000) =>
  eventually(
    async () => (await api('GET', `/v1/coupon-resync/${jobId}`, { key: merchant.apiKey })).body,
    (job) => job.status === 'completed',
    { timeoutMs, what: `job ${jobId}` },
  );

/**
 * The test reads the account like any other client, so it shares the account's rate limit with the
 * workers still finishing their retries: a 429 here is Stripe asking this reader to wait, not a failure.
 */
const politely = async <T>(call: () => Promise<T>): Promise<T> => {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeRateLimitError) || attempt >= 20) throw error;
      await sleep(100 * (attempt + 1));
    }
  }
};

const listAll = async <T extends { id: string }>(page: (startingAfter?: string) => Promise<Stripe.ApiList<T>>): Promise<T[]> => {
  const all: T[] = [];
  let startingAfter: string | undefined;
  for (;;) {
    const list = await politely(() => page(startingAfter));
    all.push(...list.data);
    if (!list.has_more) return all;
    startingAfter = list.data.at(-1)?.id;
  }
};

/** Every promotion code on the account (active or not), optionally only those with one code. */
export const promotionCodesOn = (merchant: ConnectedTestMerchant, code?: string) =>
  listAll((startingAfter) =>
    stripeClient(merchant.mode).promotionCodes.list(
      { limit: 100, starting_after: startingAfter, ...(code ? { code } : {}), expand: ['data.promotion.coupon'] },
      { stripeAccount: merchant.accountId },
    ),
  );

export const couponsOn = (merchant: ConnectedTestMerchant) =>
  listAll((startingAfter) => stripeClient(merchant.mode).coupons.list({ limit: 100, starting_after: startingAfter }, { stripeAccount: merchant.accountId }));

/** A coupon and promotion code the merchant made by hand in the dashboard (no events, no rate limit). */
export const promotionCodeByHand = async (merchant: ConnectedTestMerchant, code: string): Promise<Stripe.PromotionCode> => {
  const [coupon] = await emulator().seed<Stripe.Coupon>(merchant.accountId, 'coupons', [{ percent_off: 50, duration: 'once' }], { mode: merchant.mode });
  const [promo] = await emulator().seed<Stripe.PromotionCode>(
    merchant.accountId,
    'promotion_codes',
    [{ promotion: { type: 'coupon', coupon: coupon!.id }, code }],
    { mode: merchant.mode },
  );
  return promo!;
};

/** Stripe writes on the account after request `sinceSeq` of the emulator's log. */
export const writesSince = async (merchant: ConnectedTestMerchant, sinceSeq: number) =>
  emulator().requests({ account: merchant.accountId, method: 'POST', sinceSeq });

export const lastRequestSeq = async (): Promise<number> => (await emulator().requests()).at(-1)?.seq ?? 0;

let sqsClient: SQSClient | undefined;
const sqs = () =>
  (sqsClient ??= new SQSClient({ endpoint: stack().sqsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));

/** Puts a message on the resync queue as if SQS delivered it again. */
export const redeliver = (message: ResyncMessage) =>
  sqs().send(new SendMessageCommand({ QueueUrl: stack().queues.resync!.url, MessageBody: JSON.stringify(message) }));

const depth = async (queueUrl: string): Promise<number> => {
  const { Attributes = {} } = await sqs().send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
};

/** Waits until the resync queue holds nothing, neither waiting nor in flight. */
export const resyncQueueDrained = (timeoutMs?: number) =>
  eventually(() => depth(stack().queues.resync!.url), (count) => count === 0, { timeoutMs, what: 'the resync queue to drain' });

export const deadLetterDepth = () => depth(stack().queues.resync!.deadLetterUrl);

/** The root items of a merchant's resync jobs, read from the table. */
export const jobsOf = async (merchantId: string) => {
  const { pk, skPrefix } = keys.couponResyncJobs(merchantId);
  const { Items = [] } = await dynamo().send(
    new QueryCommand({
      TableName: stack().tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
    }),
  );
  return Items.filter((item) => item.type === 'couponResyncJob');
};
