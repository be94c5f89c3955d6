import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
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

type StartKey = Record<string, string | number>;

const encodeCursor = (key: StartKey): string => Buffer.from(JSON.stringify(key)).toString('base64url');

/** The attributes of a position in a query: the table's key, plus the index's when one is read. */
interface CursorShape {
  partitionAttribute: string;
  partition: string;
  sortAttribute: string;
  sortPrefix?: string;
  attributes: readonly string[];
}

/**
 * A cursor is the position DynamoDB returned, opaque to clients. It is checked against the query
 * it continues: exactly the key attributes DynamoDB gives back for it (as strings), in the
 * partition being read and, for a query over a prefix, inside that prefix. So a cursor from another
 * merchant's list cannot move this query, and one from another list or made up is a 400 rather
 * than a position DynamoDB refuses (a 500).
 */
const decodeCursor = (cursor: string, shape: CursorShape): StartKey => {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const entries = typeof key === 'object' && key !== null && !Array.isArray(key) ? Object.entries(key) : [];
  const start = Object.fromEntries(entries) as Record<string, unknown>;
  const sort = start[shape.sortAttribute];
  const valid =
    entries.length === shape.attributes.length &&
    shape.attributes.every((name) => typeof start[name] === 'string') &&
    start[shape.partitionAttribute] === shape.partition &&
    typeof sort === 'string' &&
    (shape.sortPrefix === undefined || sort.startsWith(shape.sortPrefix));
  if (!valid) throw new ValidationError('The cursor is not valid for this list.', [{ path: ['cursor'], message: 'invalid cursor' }]);
  return start as StartKey;
};

interface PageQuery {
  key: KeyQuery;
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
  const index = query.index ? tableDesign.indexes.find((candidate) => candidate.name === query.index) : undefined;
  const pkName = index?.partitionKey ?? tableDesign.partitionKey;
  const skName = index?.sortKey ?? tableDesign.sortKey;
  const filter = query.filter ?? {};

  const items: T[] = [];
  const shape: CursorShape = {
    partitionAttribute: pkName,
    partition: query.key.pk,
    sortAttribute: skName,
    sortPrefix: query.key.skPrefix,
    attributes: [...new Set([tableDesign.partitionKey, tableDesign.sortKey, pkName, skName])],
  };
  let startKey = page.cursor ? decodeCursor(page.cursor, shape) : undefined;
  do {
    const result = await db().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: query.index,
        KeyConditionExpression: query.key.skPrefix ? '#pk = :pk AND begins_with(#sk, :skPrefix)' : '#pk = :pk',
        ExpressionAttributeNames: {
          '#pk': pkName,
          ...(query.key.skPrefix ? { '#sk': skName } : {}),
          ...filter.ExpressionAttributeNames,
        },
        ExpressionAttributeValues: {
          ':pk': query.key.pk,
          ...(query.key.skPrefix ? { ':skPrefix': query.key.skPrefix } : {}),
          ...filter.ExpressionAttributeValues,
        },
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

/** The items of a partition whose sort key lies in a range, one DynamoDB page at a time. */
export async function* queryRangePages<T>(range: KeyRange): AsyncGenerator<T[]> {
  let startKey: StartKey | undefined;
  do {
    const result = await db().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#pk': tableDesign.partitionKey, '#sk': tableDesign.sortKey },
        ExpressionAttributeValues: { ':pk': range.pk, ':from': range.skFrom, ':to': range.skTo },
        ExclusiveStartKey: startKey,
      }),
    );
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
