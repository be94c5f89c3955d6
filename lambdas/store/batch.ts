import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { db, tableName } from './db';
import type { Key } from './keys';

export type Item = Record<string, unknown>;

const idOf = (key: Key): string => `${key.pk}\n${key.sk}`;

/**
 * Items read by key, remembering which keys were asked for: code that decides from them can tell
 * "read and absent" from "never read", so a caller that skipped a read fails loudly instead of
 * deciding from a silent gap.
 */
export class ItemLookup {
  private readonly asked = new Set<string>();
  private readonly found = new Map<string, Item>();

  /** Records a read: the keys asked for and the items that came back (each carries its pk/sk). */
  add(asked: readonly Key[], items: readonly Item[]): this {
    for (const key of asked) this.asked.add(idOf(key));
    for (const item of items) this.found.set(idOf(item as unknown as Key), item);
    return this;
  }

  get<T = Item>(key: Key): T | undefined {
    return this.found.get(idOf(key)) as T | undefined;
  }

  wasRead(key: Key): boolean {
    return this.asked.has(idOf(key));
  }
}

/** BatchGetItem's limit per call. */
const maxKeysPerCall = 100;
const unprocessedRetries = 5;

/** Each key once: BatchGetItem refuses a request that names an item twice. */
export const uniqueKeys = (keys: readonly Key[]): Key[] => [...new Map(keys.map((key) => [idOf(key), key])).values()];

/**
 * Reads items by key, strongly consistent, in as few BatchGetItem calls as the keys need (one for up
 * to 100), retrying the keys DynamoDB leaves unprocessed under load. Adds to `into` when given, so a
 * second round of reads extends the first.
 */
export const batchGet = async (keys: readonly Key[], into = new ItemLookup()): Promise<ItemLookup> => {
  const unique = uniqueKeys(keys);
  for (let start = 0; start < unique.length; start += maxKeysPerCall) {
    let pending: Record<string, unknown>[] = unique.slice(start, start + maxKeysPerCall).map(({ pk, sk }) => ({ pk, sk }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > unprocessedRetries) throw new Error(`DynamoDB left ${pending.length} keys unprocessed after ${unprocessedRetries} retries`);
      if (attempt > 0) await sleep(20 * 2 ** attempt + Math.random() * 20);
      const table = tableName();
      const result = await db().send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }));
      into.add([], (result.Responses?.[table] ?? []) as Item[]);
      pending = (result.UnprocessedKeys?.[table]?.Keys ?? []) as Record<string, unknown>[];
    }
  }
  return into.add(unique, []);
};
