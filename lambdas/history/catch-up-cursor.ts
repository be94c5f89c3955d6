import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Mode } from '../core/mode';
import { db, tableName } from '../store/db';
import { keys } from '../store/keys';
import type { AccountClaim } from '../connect/connection';
import type { HistoryJobRecord } from './job';

/**
 * How far an account's event log is caught up: every event created before `listedUpTo` was listed
 * by a replay that completed, and applied (or found applied) through the intake. The daily
 * catch-up starts from there, with an overlap.
 */
export interface CatchUpCursor {
  merchantId: string;
  listedUpTo?: string;
  /** The last replay the daily catch-up started, so a slow one is not started twice. */
  lastJobId?: string;
}

const readClaim = async (mode: Mode, accountId: string): Promise<AccountClaim | undefined> => {
  const { Item } = await db().send(new GetCommand({ TableName: tableName(), Key: keys.stripeAccount(mode, accountId), ConsistentRead: true }));
  return Item as AccountClaim | undefined;
};

export const readCatchUp = async (mode: Mode, accountId: string): Promise<CatchUpCursor | undefined> => {
  const { Item } = await db().send(new GetCommand({ TableName: tableName(), Key: keys.eventCatchUp(mode, accountId), ConsistentRead: true }));
  return Item as CatchUpCursor | undefined;
};

/** Names the replay the daily catch-up started for the account. */
export const recordScheduledJob = async (mode: Mode, accountId: string, merchantId: string, jobId: string): Promise<void> => {
  await db().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.eventCatchUp(mode, accountId),
      UpdateExpression: 'SET merchantId = :merchantId, lastJobId = :jobId, #type = :type',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: { ':merchantId': merchantId, ':jobId': jobId, ':type': 'eventCatchUp' },
    }),
  );
};

/**
 * Where the account's log is caught up to for this merchant: the cursor, or without one (or with
 * one of the account's previous merchant) the moment the connection began.
 */
export const caughtUpTo = (cursor: CatchUpCursor | undefined, claim: Pick<AccountClaim, 'merchantId' | 'connectedAt'>): string =>
  cursor?.merchantId === claim.merchantId && cursor.listedUpTo ? cursor.listedUpTo : claim.connectedAt;

/**
 * A completed replay moves the cursor to when it started, if it began at or before where the log
 * was caught up to (else it left a gap behind it) and the account is still this merchant's.
 */
export const recordCatchUp = async (job: HistoryJobRecord): Promise<void> => {
  const [claim, cursor] = await Promise.all([readClaim(job.mode, job.accountId), readCatchUp(job.mode, job.accountId)]);
  if (claim?.merchantId !== job.merchantId) return;
  const from = caughtUpTo(cursor, claim);
  if (job.since > from || job.startedAt <= from) return;
  try {
    await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.eventCatchUp(job.mode, job.accountId),
        UpdateExpression: 'SET merchantId = :merchantId, listedUpTo = :upTo, #type = :type',
        // Unchanged since it was read: a concurrent replay that got further keeps its place.
        ConditionExpression: cursor?.listedUpTo ? 'listedUpTo = :seen' : 'attribute_not_exists(listedUpTo)',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':merchantId': job.merchantId,
          ':upTo': job.startedAt,
          ':type': 'eventCatchUp',
          ...(cursor?.listedUpTo ? { ':seen': cursor.listedUpTo } : {}),
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
};
