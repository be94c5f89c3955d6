import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BusyError } from '../core/errors';
import { logger } from '../core/logger';
import { db, tableName } from './db';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
type Put = NonNullable<TransactItem['Put']>;
type Update = NonNullable<TransactItem['Update']>;
type Delete = NonNullable<TransactItem['Delete']>;
type ConditionCheck = NonNullable<TransactItem['ConditionCheck']>;

/** What to throw when an item's condition fails: the condition's meaning in domain terms. */
type OnConditionFailed = () => Error;

const maxItems = 100;
const conflictRetries = 4;

/**
 * A DynamoDB transaction assembled by several modules (the effect, the record that an event was
 * processed, a stats counter…) and committed once, all or nothing. A failed condition becomes the
 * domain error its writer declared; contention with another transaction is retried here.
 */
export class Transaction {
  private readonly items: TransactItem[] = [];
  private readonly onFailed: (OnConditionFailed | undefined)[] = [];
  private readonly beforeCommitHooks: (() => void)[] = [];
  private readonly afterCommitHooks: (() => Promise<void>)[] = [];

  put(put: Omit<Put, 'TableName'>, onConditionFailed?: OnConditionFailed): this {
    return this.add({ Put: { TableName: tableName(), ...put } }, onConditionFailed);
  }

  update(update: Omit<Update, 'TableName'>, onConditionFailed?: OnConditionFailed): this {
    return this.add({ Update: { TableName: tableName(), ...update } }, onConditionFailed);
  }

  delete(del: Omit<Delete, 'TableName'>, onConditionFailed?: OnConditionFailed): this {
    return this.add({ Delete: { TableName: tableName(), ...del } }, onConditionFailed);
  }

  check(check: Omit<ConditionCheck, 'TableName'>, onConditionFailed: OnConditionFailed): this {
    return this.add({ ConditionCheck: { TableName: tableName(), ...check } }, onConditionFailed);
  }

  /**
   * Runs once, just before the first commit attempt. For writers that merge several contributions
   * into one item (stats counters): DynamoDB refuses a transaction that touches an item twice.
   */
  beforeCommit(hook: () => void): this {
    this.beforeCommitHooks.push(hook);
    return this;
  }

  /**
   * Runs after the commit succeeded, for work that must follow what was stored (queueing a job the
   * transaction recorded). A hook that fails is logged, not thrown: what it serves was stored
   * durably, and whatever the hook did not do is picked up from there (the job's sweeper).
   */
  afterCommit(hook: () => Promise<void>): this {
    this.afterCommitHooks.push(hook);
    return this;
  }

  get size(): number {
    return this.items.length;
  }

  async commit(): Promise<void> {
    for (const hook of this.beforeCommitHooks.splice(0)) hook();
    if (this.items.length === 0) return this.runAfterCommit();
    if (this.items.length > maxItems) throw new Error(`A transaction holds at most ${maxItems} items`);
    for (let attempt = 0; ; attempt++) {
      try {
        // The token makes the SDK's own retry of a commit whose answer was lost a no-op that
        // succeeds, instead of a second attempt whose conditions fail on the first one's writes.
        await db().send(new TransactWriteCommand({ TransactItems: this.items, ClientRequestToken: randomUUID() }));
        return this.runAfterCommit();
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        const failed = reasons.findIndex((reason) => reason.Code === 'ConditionalCheckFailed');
        if (failed >= 0) throw this.onFailed[failed]?.() ?? error;
        const contended = reasons.some((reason) => reason.Code === 'TransactionConflict');
        if (!contended) throw error;
        if (attempt >= conflictRetries) throw new BusyError();
        await sleep(20 * 2 ** attempt + Math.random() * 20);
      }
    }
  }

  private async runAfterCommit(): Promise<void> {
    for (const hook of this.afterCommitHooks.splice(0)) {
      try {
        await hook();
      } catch (error) {
        logger.error('A step after a committed transaction failed; its sweeper will redo it', { error: error as Error });
      }
    }
  }

  private add(item: TransactItem, onConditionFailed?: OnConditionFailed): this {
    this.items.push(item);
    this.onFailed.push(onConditionFailed);
    return this;
  }
}
