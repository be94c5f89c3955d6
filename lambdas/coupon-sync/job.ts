import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { NotFoundError } from '../core/errors';
import { newId } from '../core/ids';
import type { Mode } from '../core/mode';
import type { Merchant } from '../merchants/merchant';
import { db, tableName } from '../store/db';
import { keys } from '../store/keys';
import { Transaction } from '../store/transaction';
import type { SyncOutcome } from './plan';
import * as Queue from './queue';

/**
 * A bulk coupon resync: every affiliate of a merchant, in one or both modes. The job's root item
 * holds the fan-out's progress and the counts it made itself; its workers count into a few shard
 * items (many at once would contend for one), and a per-affiliate marker, written in the same
 * transaction as the count, makes every affiliate count once however often its message arrives.
 */

/** `connection`: a new Stripe account was connected in the mode, with auto-sync on (connected.ts). */
export const jobTriggers = ['manual', 'settings', 'schedule', 'connection'] as const;
export type JobTrigger = (typeof jobTriggers)[number];

const counterNames = ['synced', 'unchanged', 'failed', 'conflicts', 'notApplicable'] as const;
type Counter = (typeof counterNames)[number];
type Counts = Record<Counter, number>;
const counterOf: Record<SyncOutcome, Counter> = {
  synced: 'synced',
  unchanged: 'unchanged',
  failed: 'failed',
  conflict: 'conflicts',
  notApplicable: 'notApplicable',
};

export interface CouponResyncJob extends Counts {
  id: string;
  modes: Mode[];
  trigger: JobTrigger;
  status: 'running' | 'completed';
  /** Affiliates in the job (times modes); it grows while the fan-out walks through them. */
  total: number;
  startedAt: string;
  finishedAt?: string;
}

export interface FanOutProgress {
  done: boolean;
  /** The last affiliate whose page the fan-out recorded. */
  after?: string;
}

export interface JobRoot extends Partial<Counts> {
  jobId: string;
  merchantId: string;
  modes: Mode[];
  trigger: JobTrigger;
  startedAt: string;
  updatedAt: string;
  /**
   * The job covers the affiliates up to this ID (IDs are time-ordered), so its pages never change
   * under it; an affiliate created later syncs through its own trigger.
   */
  affiliatesUpTo: string;
  fanOut: Partial<Record<Mode, FanOutProgress>>;
  total?: number;
}

export interface JobShard extends Partial<Counts> {
  jobId: string;
  updatedAt: string;
}

const shardCount = 10;
const shardOf = (affiliateId: string): number => (createHash('sha256').update(affiliateId).digest()[0] ?? 0) % shardCount;

/** Jobs and their markers are kept 90 days for the merchant to look back at. */
const keepSeconds = 90 * 86_400;
const expiresAt = (at: string) => Math.floor(Date.parse(at) / 1000) + keepSeconds;

/** A job as the API shows it: the fan-out's and the workers' counts added up. */
export const summarize = (root: JobRoot, shards: readonly JobShard[]): CouponResyncJob => {
  const counts = Object.fromEntries(
    counterNames.map((name) => [name, [root, ...shards].reduce((sum, part) => sum + (part[name] ?? 0), 0)]),
  ) as Counts;
  const total = root.total ?? 0;
  const counted = counterNames.reduce((sum, name) => sum + counts[name], 0);
  const completed = root.modes.every((mode) => root.fanOut[mode]?.done) && counted >= total;
  const finishedAt = completed ? [root.updatedAt, ...shards.map((shard) => shard.updatedAt)].sort().at(-1) : undefined;
  return {
    id: root.jobId,
    modes: root.modes,
    trigger: root.trigger,
    status: completed ? 'completed' : 'running',
    total,
    ...counts,
    startedAt: root.startedAt,
    ...(finishedAt ? { finishedAt } : {}),
  };
};

/**
 * Starts a job: records it, then queues one fan-out per mode. If the queue refuses, the record is
 * removed again, so no job shows as running that nothing works on. A job named in advance
 * (`jobId`) starts once: a second start finds it and leaves it be.
 */
export const start = async (merchant: Merchant, modes: Mode[], trigger: JobTrigger, jobId: string = newId('resync')): Promise<CouponResyncJob> => {
  const now = new Date().toISOString();
  const root: JobRoot = {
    jobId,
    merchantId: merchant.id,
    modes,
    trigger,
    startedAt: now,
    updatedAt: now,
    affiliatesUpTo: newId('aff'),
    fanOut: Object.fromEntries(modes.map((mode) => [mode, { done: false }])),
    total: 0,
  };
  const key = keys.couponResyncJob(merchant.id, root.jobId);
  try {
    await db().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...key, type: 'couponResyncJob', ...root, expiresAt: expiresAt(now) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return get(merchant.id, jobId);
    throw error;
  }
  try {
    await Queue.sendAll(modes.map((mode) => ({ kind: 'fanOut', merchantId: merchant.id, mode, jobId: root.jobId })));
  } catch (error) {
    await db().send(new DeleteCommand({ TableName: tableName(), Key: key }));
    throw error;
  }
  return summarize(root, []);
};

const isRoot = (item: Record<string, unknown>) => item.type === 'couponResyncJob';

export const get = async (merchantId: string, jobId: string): Promise<CouponResyncJob> => {
  const { pk, skPrefix } = keys.couponResyncJobParts(merchantId, jobId);
  const { Items = [] } = await db().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
      ConsistentRead: true,
    }),
  );
  // The sort-key prefix also matches longer job IDs that start with this one: only its own items count.
  const parts = Items.filter((item) => item.jobId === jobId);
  const root = parts.find(isRoot) as JobRoot | undefined;
  if (!root) throw new NotFoundError('Coupon resync job');
  return summarize(root, parts.filter((item) => !isRoot(item)) as JobShard[]);
};

/** The merchant's most recent job, if any: every item of a job names it, and IDs are time-ordered. */
export const latest = async (merchantId: string): Promise<CouponResyncJob | undefined> => {
  const { pk, skPrefix } = keys.couponResyncJobs(merchantId);
  const { Items = [] } = await db().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
      ScanIndexForward: false,
      Limit: 1,
    }),
  );
  const jobId = Items[0]?.jobId as string | undefined;
  return jobId ? get(merchantId, jobId) : undefined;
};

export const root = async (merchantId: string, jobId: string): Promise<JobRoot | undefined> => {
  const { Item } = await db().send(
    new GetCommand({ TableName: tableName(), Key: keys.couponResyncJob(merchantId, jobId), ConsistentRead: true }),
  );
  return Item as JobRoot | undefined;
};

export const isCounted = async (jobId: string, mode: Mode, affiliateId: string): Promise<boolean> => {
  const { Item } = await db().send(
    new GetCommand({ TableName: tableName(), Key: keys.couponResyncCounted(jobId, mode, affiliateId), ConsistentRead: true }),
  );
  return Item !== undefined;
};

/** The job already counted this affiliate: a redelivered message, or the fan-out counted it first. */
export class AlreadyCounted extends Error {
  constructor(readonly affiliateId: string) {
    super(`Affiliate ${affiliateId} is already counted in this job`);
  }
}

const countedMarker = (transaction: Transaction, jobId: string, mode: Mode, affiliateId: string, outcome: SyncOutcome, at: string) =>
  transaction.put(
    {
      Item: { ...keys.couponResyncCounted(jobId, mode, affiliateId), type: 'couponResyncCounted', outcome, expiresAt: expiresAt(at) },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
    () => new AlreadyCounted(affiliateId),
  );

export interface Counted {
  merchantId: string;
  jobId: string;
  mode: Mode;
  affiliateId: string;
  outcome: SyncOutcome;
  at: string;
}

/** Adds one affiliate's outcome to a transaction: its marker, and one to its shard's counter. */
export const countInto = (transaction: Transaction, counted: Counted): Transaction => {
  countedMarker(transaction, counted.jobId, counted.mode, counted.affiliateId, counted.outcome, counted.at);
  return transaction.update({
    Key: keys.couponResyncShard(counted.merchantId, counted.jobId, shardOf(counted.affiliateId)),
    UpdateExpression: 'SET #type = :type, jobId = :jobId, updatedAt = :at, expiresAt = :expiresAt ADD #counter :one',
    ExpressionAttributeNames: { '#type': 'type', '#counter': counterOf[counted.outcome] },
    ExpressionAttributeValues: {
      ':type': 'couponResyncShard',
      ':jobId': counted.jobId,
      ':at': counted.at,
      ':expiresAt': expiresAt(counted.at),
      ':one': 1,
    },
  });
};

/** Another run of the same fan-out recorded this page first: this one stops. */
export class FanOutOvertaken extends Error {}

export interface FanOutPage {
  /** The last affiliate of the previous page; undefined on the first. */
  after?: string;
  /** The last affiliate of this page; undefined when it is empty. */
  last?: string;
  done: boolean;
  size: number;
  /** Affiliates the fan-out found already in sync, counted here instead of by a worker. */
  counted: { affiliateId: string; outcome: SyncOutcome }[];
}

/**
 * Records one page of a fan-out in one transaction: its progress (only if the fan-out is still
 * where this run found it, so a page is recorded once), the affiliates it adds to the total, and
 * those it counted itself with their markers. An affiliate a worker already counted (a message of
 * an earlier run of this page) is left to that count.
 */
export const recordFanOutPage = async (job: JobRoot, mode: Mode, page: FanOutPage): Promise<void> => {
  let counted = page.counted;
  const at = new Date().toISOString();
  for (;;) {
    const tally = new Map<Counter, number>();
    for (const { outcome } of counted) tally.set(counterOf[outcome], (tally.get(counterOf[outcome]) ?? 0) + 1);
    const adds = [...tally.keys()].map((counter, index) => [counter, `:n${index}`] as const);
    const after = page.last ?? page.after;
    const progress: FanOutProgress = { done: page.done, ...(after ? { after } : {}) };
    const transaction = new Transaction().update(
      {
        Key: keys.couponResyncJob(job.merchantId, job.jobId),
        UpdateExpression: `SET fanOut.#mode = :progress, updatedAt = :at ADD #total :size${adds.map(([counter, value]) => `, #${counter} ${value}`).join('')}`,
        ConditionExpression: `fanOut.#mode.done = :false AND ${page.after ? 'fanOut.#mode.#after = :after' : 'attribute_not_exists(fanOut.#mode.#after)'}`,
        ExpressionAttributeNames: {
          '#mode': mode,
          '#after': 'after',
          '#total': 'total',
          ...Object.fromEntries(adds.map(([counter]) => [`#${counter}`, counter])),
        },
        ExpressionAttributeValues: {
          ':progress': progress,
          ':at': at,
          ':size': page.size,
          ':false': false,
          ...(page.after ? { ':after': page.after } : {}),
          ...Object.fromEntries(adds.map(([counter, value]) => [value, tally.get(counter)])),
        },
      },
      () => new FanOutOvertaken(),
    );
    for (const { affiliateId, outcome } of counted) countedMarker(transaction, job.jobId, mode, affiliateId, outcome, at);
    try {
      await transaction.commit();
      return;
    } catch (error) {
      if (!(error instanceof AlreadyCounted)) throw error;
      counted = counted.filter((entry) => entry.affiliateId !== error.affiliateId);
    }
  }
};
