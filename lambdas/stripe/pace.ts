import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { AsyncLocalStorage } from 'node:async_hooks';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Mode } from '../core/mode';
import { db, tableName } from '../store/db';
import { type Key, keys } from '../store/keys';

/** Stripe's limit per connected account, in requests per second (SPEC section 2). */
export const stripeRateLimits: Record<Mode, number> = { live: 100, test: 25 };

/**
 * The share of that limit Tally uses. Stripe counts over a sliding second; evenly spaced calls
 * at 95 % of the limit stay under it even when network jitter bunches a few together.
 */
const shareOfLimit = 0.95;

/** A pace record outlives any pause between bursts of work by far; then DynamoDB removes it. */
const idleRecordSeconds = 86_400;

export const callIntervalMs = (mode: Mode): number => 1000 / (stripeRateLimits[mode] * shareOfLimit);

const conditionFailed = (error: unknown) => error instanceof ConditionalCheckFailedException;

/**
 * Reserves the next free moment to call Stripe, shared by every worker through one DynamoDB item
 * (a generic cell rate algorithm): `next` is the earliest moment the following call may start.
 * While the account is busy each reservation moves `next` on by one interval, atomically, so
 * concurrent workers get distinct, evenly spaced moments; an idle account starts again from now.
 * Returns the reserved moment (epoch milliseconds).
 */
export const reserveCallSlot = async (key: Key, intervalMs: number, now: number): Promise<number> => {
  const expiresAt = Math.floor(now / 1000) + idleRecordSeconds;
  for (;;) {
    try {
      const { Attributes } = await db().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: key,
          UpdateExpression: 'SET #next = #next + :interval, expiresAt = :expiresAt',
          ConditionExpression: '#next >= :now',
          ExpressionAttributeNames: { '#next': 'next' },
          ExpressionAttributeValues: { ':interval': intervalMs, ':now': now, ':expiresAt': expiresAt },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return (Attributes?.next as number) - intervalMs;
    } catch (error) {
      if (!conditionFailed(error)) throw error;
    }
    try {
      await db().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: key,
          UpdateExpression: 'SET #next = :next, expiresAt = :expiresAt',
          ConditionExpression: 'attribute_not_exists(#next) OR #next < :now',
          ExpressionAttributeNames: { '#next': 'next' },
          ExpressionAttributeValues: { ':next': now + intervalMs, ':now': now, ':expiresAt': expiresAt },
        }),
      );
      return now;
    } catch (error) {
      // Another worker woke the account up first: queue behind it.
      if (!conditionFailed(error)) throw error;
    }
  }
};

/** Waits until this worker may make its next call on the account, within the shared pace. */
export const waitForTurn = async (mode: Mode, accountId: string): Promise<void> => {
  const slot = await reserveCallSlot(keys.stripeCallPace(mode, accountId), callIntervalMs(mode), Date.now());
  const wait = slot - Date.now();
  if (wait > 0) await sleep(wait);
};

const pacedWork = new AsyncLocalStorage<true>();

/**
 * Runs bulk work (a history job's page) so that the Stripe calls made inside it through
 * `accountTurn` (the ledger's reads, stripe-reads.ts) wait for the account's shared pace too. The
 * webhook's own calls are not paced: one event makes a call or two, and Stripe retries it on a 429.
 */
export const withPacedCalls = <T>(work: () => Promise<T>): Promise<T> => pacedWork.run(true, work);

/** Before a call on a connected account: waits for its turn when inside `withPacedCalls`. */
export const accountTurn = async (scope: { mode: Mode; accountId: string }): Promise<void> => {
  if (pacedWork.getStore()) await waitForTurn(scope.mode, scope.accountId);
};
