import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { ValidationError } from '../core/errors';
import { db, tableName } from './db';
import type { KeyQuery, KeyRange } from './keys';
import { type IndexName, tableDesign } from './table';

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string;
}

/**
 * A query's key: one partition, all of it, the sort keys with a prefix, or the sort keys from
 * `skFrom` and/or up to `skTo` (both included).
 */
export type KeyCondition = KeyQuery & { skFrom?: string; skTo?: string };

/** A position in a query, as DynamoDB gives it back (LastEvaluatedKey) and takes it (ExclusiveStartKey). */
type StartKey = Record<string, string>;

/** The key attributes of the table or of one index, and those that make a position in it. */
interface KeyNames {
  partition: string;
  sort: string;
  position: readonly string[];
}

const keyNamesOf = (index?: IndexName): KeyNames => {
  const design = index ? tableDesign.indexes.find((candidate) => candidate.name === index) : undefined;
  const partition = design?.partitionKey ?? tableDesign.partitionKey;
  const sort = design?.sortKey ?? tableDesign.sortKey;
  return { partition, sort, position: [...new Set([tableDesign.partitionKey, tableDesign.sortKey, partition, sort])] };
};

/** DynamoDB orders string keys by their UTF-8 bytes, which is not JavaScript's order beyond the BMP. */
const compareKeys = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** The sort-key half of a key condition, if the query narrows the sort key. */
const sortConditionOf = ({ skPrefix, skFrom, skTo }: KeyCondition): string | undefined => {
  if (skPrefix && (skFrom !== undefined || skTo !== undefined)) throw new Error('A key condition narrows the sort key by a prefix or by a range, not both');
  if (skPrefix) return 'begins_with(#sk, :skPrefix)';
  if (skFrom !== undefined && skTo !== undefined) return '#sk BETWEEN :skFrom AND :skTo';
  if (skFrom !== undefined) return '#sk >= :skFrom';
  if (skTo !== undefined) return '#sk <= :skTo';
  return undefined;
};

type KeyConditionInput = Pick<QueryCommandInput, 'KeyConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>;

/** A key condition as DynamoDB takes it: only the names and values its expression uses (others are an error). */
const keyConditionInput = (key: KeyCondition, names: KeyNames): KeyConditionInput => {
  const sortCondition = sortConditionOf(key);
  const values = { ':pk': key.pk, ':skPrefix': key.skPrefix || undefined, ':skFrom': key.skFrom, ':skTo': key.skTo };
  return {
    KeyConditionExpression: sortCondition ? `#pk = :pk AND ${sortCondition}` : '#pk = :pk',
    ExpressionAttributeNames: { '#pk': names.partition, ...(sortCondition ? { '#sk': names.sort } : {}) },
    ExpressionAttributeValues: Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)),
  };
};

/** A query a position must belong to. */
interface PositionShape {
  names: KeyNames;
  key: KeyCondition;
}

/** DynamoDB's limits on key values: longer ones it refuses with a ValidationException. */
const maxKeyBytes = { partition: 2048, sort: 1024 };
/** Half of a UTF-16 pair on its own has no UTF-8 form, so no stored key holds one. */
const loneSurrogate = /\p{Cs}/u;

/**
 * Whether a value is a position of the query: exactly the key attributes DynamoDB gives back for
 * it, as non-empty strings it accepts as keys, in the partition being read and inside the query's
 * prefix or range. So a cursor from another merchant's list cannot move a query, and one from
 * another list or made up is a 400 rather than a start key DynamoDB refuses (a 500).
 */
const isPosition = (value: unknown, { names, key }: PositionShape): value is StartKey => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const position = value as Record<string, unknown>;
  const sortNames: readonly string[] = [tableDesign.sortKey, names.sort];
  const wellFormed =
    Object.keys(position).length === names.position.length &&
    names.position.every((name) => {
      const part = position[name];
      const maxBytes = sortNames.includes(name) ? maxKeyBytes.sort : maxKeyBytes.partition;
      return typeof part === 'string' && part !== '' && !loneSurrogate.test(part) && Buffer.byteLength(part, 'utf8') <= maxBytes;
    });
  if (!wellFormed) return false;
  const sort = position[names.sort] as string;
  return (
    position[names.partition] === key.pk &&
    (!key.skPrefix || sort.startsWith(key.skPrefix)) &&
    (key.skFrom === undefined || compareKeys(sort, key.skFrom) >= 0) &&
    (key.skTo === undefined || compareKeys(sort, key.skTo) <= 0)
  );
};

const invalidCursor = () => new ValidationError('The cursor is not valid for this list.', [{ path: ['cursor'], message: 'invalid cursor' }]);

/** Cursors are opaque to clients: base64url JSON of what the query needs to go on. */
const encodeCursor = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

const parseCursor = (cursor: string): unknown => {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
};

interface PageQuery {
  key: KeyCondition;
  index?: IndexName;
  /** Newest first when false. */
  ascending?: boolean;
  filter?: Pick<QueryCommandInput, 'FilterExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>;
}

/**
 * One page of a partition, in sort-key order. With a filter, DynamoDB may return short pages, so
 * this keeps reading until the page is full or the partition ends.
 */
export const queryPage = async <T>(query: PageQuery, page: PageRequest): Promise<Page<T>> => {
  const names = keyNamesOf(query.index);
  const condition = keyConditionInput(query.key, names);
  const filter = query.filter ?? {};
  let startKey: StartKey | undefined;
  if (page.cursor) {
    const position = parseCursor(page.cursor);
    if (!isPosition(position, { names, key: query.key })) throw invalidCursor();
    startKey = position;
  }

  const items: T[] = [];
  do {
    const result = await db().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: query.index,
        KeyConditionExpression: condition.KeyConditionExpression,
        ExpressionAttributeNames: { ...condition.ExpressionAttributeNames, ...filter.ExpressionAttributeNames },
        ExpressionAttributeValues: { ...condition.ExpressionAttributeValues, ...filter.ExpressionAttributeValues },
        FilterExpression: filter.FilterExpression,
        ScanIndexForward: query.ascending ?? true,
        ExclusiveStartKey: startKey,
        Limit: page.limit - items.length,
      }),
    );
    items.push(...((result.Items ?? []) as T[]));
    startKey = result.LastEvaluatedKey as StartKey | undefined;
  } while (startKey && items.length < page.limit);

  return { data: items, nextCursor: startKey ? encodeCursor(startKey) : null };
};

interface ShardedQuery {
  /** One condition per partition (shard) of the index. */
  keys: KeyCondition[];
  index: IndexName;
  /** Newest first when false. */
  ascending?: boolean;
}

/** Where a shard stands in a sharded list's cursor: not read yet, after its last emitted item, or read to its end. */
type ShardPosition = StartKey | null | 'done';

/**
 * A sharded list's cursor: each shard's position, and which list they are positions in. Shards
 * not read yet or read to their end name no partition, so without `list` a cursor of another
 * merchant's or another list's shards would pass for one of this list and skip its shards.
 */
interface ShardedCursor {
  list: string;
  shards: ShardPosition[];
}

/** Names a sharded query by its partitions, how each narrows the sort key, and its order; not a secret, a label. */
const listTag = (query: ShardedQuery): string =>
  createHash('sha256')
    .update(
      JSON.stringify([
        query.index,
        query.ascending ?? true,
        query.keys.map(({ pk, skPrefix, skFrom, skTo }) => [pk, skPrefix ?? '', skFrom !== undefined, skTo !== undefined]),
      ]),
    )
    .digest('base64url')
    .slice(0, 16);

const isShardedCursor = (value: unknown, list: string, shapes: PositionShape[]): value is ShardedCursor => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const cursor = value as Record<string, unknown>;
  return (
    Object.keys(cursor).length === 2 &&
    cursor.list === list &&
    Array.isArray(cursor.shards) &&
    cursor.shards.length === shapes.length &&
    cursor.shards.every((position: unknown, shard) => position === null || position === 'done' || isPosition(position, shapes[shard] as PositionShape))
  );
};

interface Buffered<T> {
  item: T;
  position: StartKey;
}

interface ShardState<T> {
  shape: PositionShape;
  /** What the next cursor says for this shard: the last item emitted from it, or where this page began. */
  resume: ShardPosition;
  /** Where the next read of this shard begins. */
  readFrom: StartKey | undefined;
  /** DynamoDB may have items after `readFrom`. */
  more: boolean;
  /** Items read and not yet emitted, in the shard's order. */
  buffer: Buffered<T>[];
  reads: number;
  lastLimit: number;
}

const positionOf = (item: Record<string, unknown>, names: KeyNames): StartKey =>
  Object.fromEntries(
    names.position.map((name) => {
      const value = item[name];
      if (typeof value !== 'string') throw new Error(`An item read from the index has no string key attribute ${name}`);
      return [name, value];
    }),
  );

/** Positions in the index's sort-key order, ties by the table's key, so every page merges the same way. */
const compareFor = (names: KeyNames, ascending: boolean) => (a: StartKey, b: StartKey): number => {
  const order =
    compareKeys(a[names.sort] as string, b[names.sort] as string) ||
    compareKeys(a[tableDesign.partitionKey] as string, b[tableDesign.partitionKey] as string) ||
    compareKeys(a[tableDesign.sortKey] as string, b[tableDesign.sortKey] as string);
  return ascending ? order : -order;
};

/**
 * How much of a shard to read: its share of what the page still needs, plus one so the shard
 * shows where it goes on. A shard that runs dry again and again while the others wait holds most
 * of the page, so each further read of it doubles, never beyond what the page needs.
 */
const readLimit = (shard: ShardState<unknown>, remaining: number, liveShards: number): number => {
  const share = Math.ceil(remaining / liveShards) + 1;
  const streak = shard.reads >= 2 ? shard.lastLimit * 2 : 0;
  return Math.min(remaining + 1, Math.max(share, streak));
};

/**
 * One page of the union of several partitions of one index (the shards of a merchant-wide list), in
 * the index's sort-key order, merged as they are read. It reads about what it returns: each shard
 * is read in small parts, and an item is emitted only once every shard that may still hold an
 * earlier one has shown an item at or after it; a shard that ran out of read items is read again.
 * The cursor holds each shard's position, so the next page goes on exactly where this one ended.
 */
export const queryShardedPage = async <T>(query: ShardedQuery, page: PageRequest): Promise<Page<T>> => {
  const names = keyNamesOf(query.index);
  const ascending = query.ascending ?? true;
  const shapes = query.keys.map((key): PositionShape => ({ names, key }));
  const list = listTag(query);
  let positions: ShardPosition[] = shapes.map(() => null);
  if (page.cursor) {
    const parsed = parseCursor(page.cursor);
    if (!isShardedCursor(parsed, list, shapes)) throw invalidCursor();
    positions = parsed.shards;
  }
  const shards: ShardState<T>[] = shapes.map((shape, shard) => {
    const position = positions[shard] as ShardPosition;
    return {
      shape,
      resume: position,
      readFrom: position === null || position === 'done' ? undefined : position,
      more: position !== 'done',
      buffer: [],
      reads: 0,
      lastLimit: 0,
    };
  });

  const read = async (shard: ShardState<T>, limit: number) => {
    const result = await db().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: query.index,
        ...keyConditionInput(shard.shape.key, names),
        ScanIndexForward: ascending,
        ExclusiveStartKey: shard.readFrom,
        Limit: limit,
      }),
    );
    const items = (result.Items ?? []) as (T & Record<string, unknown>)[];
    shard.buffer.push(...items.map((item) => ({ item, position: positionOf(item, names) })));
    shard.readFrom = result.LastEvaluatedKey as StartKey | undefined;
    shard.more = shard.readFrom !== undefined;
    shard.reads += 1;
    shard.lastLimit = limit;
  };

  const compare = compareFor(names, ascending);
  const data: T[] = [];
  while (data.length < page.limit) {
    const dry = shards.filter((shard) => shard.more && shard.buffer.length === 0);
    if (dry.length > 0) {
      const remaining = page.limit - data.length;
      const live = shards.filter((shard) => shard.more || shard.buffer.length > 0).length;
      await Promise.all(dry.map((shard) => read(shard, readLimit(shard, remaining, live))));
      continue;
    }
    // Every shard that may hold more has an item buffered, so the least of them comes next.
    let next: ShardState<T> | undefined;
    for (const shard of shards) {
      const head = shard.buffer[0];
      if (head && (!next || compare(head.position, (next.buffer[0] as Buffered<T>).position) < 0)) next = shard;
    }
    if (!next) break;
    const { item, position } = next.buffer.shift() as Buffered<T>;
    data.push(item);
    next.resume = position;
  }

  const ended = shards.map((shard): ShardPosition => (!shard.more && shard.buffer.length === 0 ? 'done' : shard.resume));
  return { data, nextCursor: ended.every((position) => position === 'done') ? null : encodeCursor({ list, shards: ended } satisfies ShardedCursor) };
};

/** The items of a partition whose sort key lies in a range, one DynamoDB page at a time. */
export async function* queryRangePages<T>(range: KeyRange): AsyncGenerator<T[]> {
  const condition = keyConditionInput(range, keyNamesOf());
  let startKey: StartKey | undefined;
  do {
    const result = await db().send(new QueryCommand({ TableName: tableName(), ...condition, ExclusiveStartKey: startKey }));
    yield (result.Items ?? []) as T[];
    startKey = result.LastEvaluatedKey as StartKey | undefined;
  } while (startKey);
}

/**
 * Every item of a partition whose sort key lies in a range, in memory. For ranges whose size the
 * caller bounds (a period's counters); a walk over a merchant's whole history takes the pages.
 */
export const queryRange = async <T>(range: KeyRange): Promise<T[]> => {
  const items: T[] = [];
  for await (const page of queryRangePages<T>(range)) items.push(...page);
  return items;
};
