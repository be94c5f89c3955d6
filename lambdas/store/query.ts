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

/**
 * A cursor is the position DynamoDB returned, opaque to clients. It is checked against the
 * partition being read, so a cursor taken from another merchant's list cannot move this query.
 */
const decodeCursor = (cursor: string, partitionAttribute: string, partition: string): StartKey => {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const valid =
    typeof key === 'object' &&
    key !== null &&
    Object.values(key).every((value) => typeof value === 'string' || typeof value === 'number') &&
    (key as StartKey)[partitionAttribute] === partition;
  if (!valid) throw new ValidationError('The cursor is not valid for this list.', [{ path: ['cursor'], message: 'invalid cursor' }]);
  return key as StartKey;
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
  let startKey = page.cursor ? decodeCursor(page.cursor, pkName, query.key.pk) : undefined;
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
