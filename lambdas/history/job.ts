import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '../core/errors';
import type { Mode } from '../core/mode';
import { db, tableName } from '../store/db';
import { keys } from '../store/keys';

/**
 * A history job reads one connected account's past from Stripe and applies it through the
 * webhook's intake: a **replay** of its event log (catch-up), or an **import** of its paid invoices,
 * payments, refunds and disputes. A job is one item and a chain of messages, one at a time: each
 * message does a slice (part of a page), then adds its counts and moves the cursor in one
 * conditional update, so a slice is counted once however often its message arrives.
 */

export type HistoryKind = 'replay' | 'import';
/** How long Stripe's Events API keeps an account's events: how far back a replay can go. */
export const eventRetentionDays = 30;
/** `reconnect`: the events of a gap in the connection; `schedule`: the daily catch-up. */
export type HistoryTrigger = 'manual' | 'reconnect' | 'schedule';
/** What an import reads, in this order: invoices record purchases first, charges then tie their payments. */
export const importPhases = ['invoices', 'charges', 'disputes'] as const;
export type ImportPhase = (typeof importPhases)[number];

export const counterNames = ['listed', 'processed', 'duplicates', 'ignored', 'failed'] as const;
export type Counter = (typeof counterNames)[number];
export type Counts = Record<Counter, number>;
export const noCounts = (): Counts => ({ listed: 0, processed: 0, duplicates: 0, ignored: 0, failed: 0 });

export interface HistoryJobRecord extends Counts {
  jobId: string;
  kind: HistoryKind;
  merchantId: string;
  mode: Mode;
  accountId: string;
  trigger: HistoryTrigger;
  /** From when (ISO time): events created, or purchases made, since then. */
  since: string;
  status: 'running' | 'completed' | 'failed';
  /** Slices committed so far: the next message must carry this number to be counted. */
  slices: number;
  /** The last object of the current page done (Stripe lists newest first): the next list starts after it. */
  cursor?: string;
  phase?: ImportPhase;
  /** Times the sweep re-queued the job's next slice after its message was lost or gave up. */
  requeues: number;
  /** Why a failed job stopped. */
  error?: string;
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
}

/** A job as the API shows it. */
export interface HistoryJob extends Counts {
  id: string;
  kind: HistoryKind;
  mode: Mode;
  trigger: HistoryTrigger;
  since: string;
  status: HistoryJobRecord['status'];
  phase?: ImportPhase;
  error?: string;
  startedAt: string;
  finishedAt?: string;
}

/** Jobs are kept 90 days for the merchant to look back at. */
const keepSeconds = 90 * 86_400;

export const view = (record: HistoryJobRecord): HistoryJob => ({
  id: record.jobId,
  kind: record.kind,
  mode: record.mode,
  trigger: record.trigger,
  since: record.since,
  status: record.status,
  ...(record.kind === 'import' && record.phase ? { phase: record.phase } : {}),
  ...Object.fromEntries(counterNames.map((name) => [name, record[name]])),
  ...(record.error ? { error: record.error } : {}),
  startedAt: record.startedAt,
  ...(record.finishedAt ? { finishedAt: record.finishedAt } : {}),
} as HistoryJob);

export type NewJob = Pick<HistoryJobRecord, 'jobId' | 'kind' | 'merchantId' | 'mode' | 'accountId' | 'trigger' | 'since'>;

/** Records a job as running; one named in advance that exists already is returned as it is. */
export const create = async (job: NewJob, now: Date): Promise<{ record: HistoryJobRecord; created: boolean }> => {
  const at = now.toISOString();
  const record: HistoryJobRecord = {
    ...job,
    status: 'running',
    slices: 0,
    requeues: 0,
    ...(job.kind === 'import' ? { phase: importPhases[0] } : {}),
    ...noCounts(),
    startedAt: at,
    updatedAt: at,
  };
  try {
    await db().send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...keys.historyJob(job.merchantId, job.jobId),
          ...keys.runningHistoryJob(at, job.merchantId, job.jobId),
          type: 'historyJob',
          ...record,
          expiresAt: Math.floor(now.getTime() / 1000) + keepSeconds,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { record, created: true };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { record: await getRecord(job.merchantId, job.jobId), created: false };
  }
};

export const findRecord = async (merchantId: string, jobId: string): Promise<HistoryJobRecord | undefined> => {
  const { Item } = await db().send(new GetCommand({ TableName: tableName(), Key: keys.historyJob(merchantId, jobId), ConsistentRead: true }));
  return Item as HistoryJobRecord | undefined;
};

export const getRecord = async (merchantId: string, jobId: string): Promise<HistoryJobRecord> => {
  const record = await findRecord(merchantId, jobId);
  if (!record) throw new NotFoundError('History job');
  return record;
};

/** The job of this kind, for the API: a replay's ID does not answer as an import, nor the other way round. */
export const get = async (merchantId: string, kind: HistoryKind, jobId: string): Promise<HistoryJob> => {
  const record = await findRecord(merchantId, jobId);
  if (record?.kind !== kind) throw new NotFoundError(kind === 'replay' ? 'Replay job' : 'Import job');
  return view(record);
};

/** Where a slice leaves the job: its counts, the new position, and whether the job is done. */
export interface SliceEnd {
  counts: Counts;
  cursor?: string;
  phase?: ImportPhase;
  finished?: { status: 'completed' | 'failed'; error?: string };
}

/** Another delivery of the same slice committed first: this one's counts are not added. */
export class SliceAlreadyCounted extends Error {}

/**
 * Adds a slice's counts and moves the cursor, if the job is still at slice `slice`. A finished job
 * leaves the running list (its gsi1 entry); a running one moves to the end of it.
 */
export const commitSlice = async (record: HistoryJobRecord, slice: number, end: SliceEnd, now: Date): Promise<HistoryJobRecord> => {
  const at = now.toISOString();
  const names: Record<string, string> = { '#status': 'status', '#slices': 'slices' };
  const values: Record<string, unknown> = { ':slice': slice, ':next': slice + 1, ':running': 'running', ':at': at };
  const sets = ['#slices = :next', 'updatedAt = :at'];
  const removes: string[] = [];
  for (const name of counterNames) {
    names[`#${name}`] = name;
    values[`:${name}`] = end.counts[name];
    sets.push(`#${name} = #${name} + :${name}`);
  }
  if (end.cursor) {
    sets.push('#cursor = :cursor');
    values[':cursor'] = end.cursor;
  } else removes.push('#cursor');
  names['#cursor'] = 'cursor';
  if (end.phase) {
    sets.push('phase = :phase');
    values[':phase'] = end.phase;
  }
  if (end.finished) {
    sets.push('#status = :finished', 'finishedAt = :at');
    values[':finished'] = end.finished.status;
    if (end.finished.error) {
      sets.push('#error = :error');
      names['#error'] = 'error';
      values[':error'] = end.finished.error;
    }
    removes.push('gsi1pk', 'gsi1sk');
  } else {
    const running = keys.runningHistoryJob(at, record.merchantId, record.jobId);
    sets.push('gsi1pk = :gsi1pk', 'gsi1sk = :gsi1sk');
    values[':gsi1pk'] = running.gsi1pk;
    values[':gsi1sk'] = running.gsi1sk;
  }
  try {
    const { Attributes } = await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.historyJob(record.merchantId, record.jobId),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: '#slices = :slice AND #status = :running',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes as HistoryJobRecord;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new SliceAlreadyCounted();
    throw error;
  }
};

/**
 * Counts a re-queue by the sweep (and moves the job to the end of the running list), if the job
 * has not moved since the sweep read it; after `maxRequeues` the job fails instead.
 */
export const markRequeued = async (record: HistoryJobRecord, now: Date, maxRequeues: number): Promise<'requeued' | 'failed' | 'moved'> => {
  const at = now.toISOString();
  const failing = record.requeues >= maxRequeues;
  const running = keys.runningHistoryJob(at, record.merchantId, record.jobId);
  try {
    await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.historyJob(record.merchantId, record.jobId),
        UpdateExpression: failing
          ? 'SET #status = :failed, finishedAt = :at, updatedAt = :at, #error = :error REMOVE gsi1pk, gsi1sk'
          : 'SET requeues = requeues + :one, updatedAt = :at, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk',
        ConditionExpression: '#slices = :slices AND #status = :running AND updatedAt = :seen',
        ExpressionAttributeNames: { '#status': 'status', '#slices': 'slices', ...(failing ? { '#error': 'error' } : {}) },
        ExpressionAttributeValues: {
          ':slices': record.slices,
          ':running': 'running',
          ':seen': record.updatedAt,
          ':at': at,
          ...(failing
            ? { ':failed': 'failed', ':error': `Stripe did not answer the job's reads after ${maxRequeues} re-queues; start it again.` }
            : { ':one': 1, ':gsi1pk': running.gsi1pk, ':gsi1sk': running.gsi1sk }),
        },
      }),
    );
    return failing ? 'failed' : 'requeued';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'moved';
    throw error;
  }
};
