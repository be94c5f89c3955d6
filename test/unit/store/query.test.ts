import { DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ValidationError } from '../../../lambdas/core/errors';
import { queryPage, queryShardedPage } from '../../../lambdas/store/query';

process.env.TALLY_TABLE_NAME = 'tally-test';

const dynamo = mockClient(DynamoDBDocumentClient);
afterEach(() => dynamo.reset());

const cursorFor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

describe('queryPage', () => {

  it('keeps reading until a filtered page is full, and returns where it stopped', async () => {
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ id: 1 }], LastEvaluatedKey: { pk: 'P', sk: 'S1' } })
      .resolvesOnce({ Items: [{ id: 2 }], LastEvaluatedKey: { pk: 'P', sk: 'S2' } });
    const page = await queryPage(
      { key: { pk: 'P', skPrefix: 'AFFILIATE#' }, filter: { FilterExpression: 'x = :x', ExpressionAttributeValues: { ':x': 1 } } },
      { limit: 2 },
    );
    expect(page.data).toEqual([{ id: 1 }, { id: 2 }]);
    expect(JSON.parse(Buffer.from(page.nextCursor as string, 'base64url').toString())).toEqual({ pk: 'P', sk: 'S2' });
    expect(dynamo).toHaveReceivedNthCommandWith(2, QueryCommand, { Limit: 1, ExclusiveStartKey: { pk: 'P', sk: 'S1' } });
  });

  it('answers a null cursor at the end of the partition', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [{ id: 1 }] });
    expect((await queryPage({ key: { pk: 'P' } }, { limit: 10 })).nextCursor).toBeNull();
  });

  it.each([
    ['from another partition', cursorFor({ pk: 'OTHER', sk: 'S' })],
    ['that is not JSON', 'bm90LWpzb24'],
    ['with nested values', cursorFor({ pk: 'P', sk: { S: 'x' } })],
    ['without a sort key', cursorFor({ pk: 'P' })],
    ['with a number for a key', cursorFor({ pk: 'P', sk: 5 })],
    ['with attributes that are not keys', cursorFor({ pk: 'P', sk: 'AFFILIATE#a', extra: 'x' })],
    ['that is a list', Buffer.from(JSON.stringify(['P', 'S'])).toString('base64url')],
  ])('refuses a cursor %s without querying', async (_case, cursor) => {
    await expect(queryPage({ key: { pk: 'P' } }, { limit: 10, cursor })).rejects.toBeInstanceOf(ValidationError);
    expect(dynamo).toHaveReceivedCommandTimes(QueryCommand, 0);
  });

  it("refuses another list's cursor of the same partition, which DynamoDB would refuse as out of bounds", async () => {
    const affiliatesCursor = cursorFor({ pk: 'MERCHANT#m', sk: 'AFFILIATE#aff_1' });
    await expect(queryPage({ key: { pk: 'MERCHANT#m', skPrefix: 'PLAN#' } }, { limit: 10, cursor: affiliatesCursor })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(dynamo).toHaveReceivedCommandTimes(QueryCommand, 0);
  });

  it("takes back an index query's own cursor, and refuses one without the index's keys", async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    const position = { pk: 'MERCHANT#m#live', sk: 'PURCHASE#p1', gsi1pk: 'PURCHASES#m#live', gsi1sk: '2030-01-01T00:00:00.000Z#p1' };
    await queryPage({ key: { pk: 'PURCHASES#m#live' }, index: 'gsi1' }, { limit: 10, cursor: cursorFor(position) });
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, { ExclusiveStartKey: position });
    await expect(
      queryPage({ key: { pk: 'PURCHASES#m#live' }, index: 'gsi1' }, { limit: 10, cursor: cursorFor({ gsi1pk: 'PURCHASES#m#live' }) }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('takes back its own cursor of a prefixed list', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    const position = { pk: 'MERCHANT#m', sk: 'AFFILIATE#aff_1' };
    await queryPage({ key: { pk: 'MERCHANT#m', skPrefix: 'AFFILIATE#' } }, { limit: 10, cursor: cursorFor(position) });
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, { ExclusiveStartKey: position });
  });
});

describe('queryPage over a sort-key range', () => {

  it.each([
    ['from and to', { skFrom: 'A', skTo: 'B' }, '#pk = :pk AND #sk BETWEEN :skFrom AND :skTo'],
    ['from only', { skFrom: 'A' }, '#pk = :pk AND #sk >= :skFrom'],
    ['to only', { skTo: 'B' }, '#pk = :pk AND #sk <= :skTo'],
  ])('asks DynamoDB for the range (%s)', async (_case, range, expression) => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    await queryPage({ key: { pk: 'P', ...range } }, { limit: 10 });
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, {
      KeyConditionExpression: expression,
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
      ExpressionAttributeValues: { ':pk': 'P', ...Object.fromEntries(Object.entries(range).map(([name, value]) => [`:${name}`, value])) },
    });
  });

  it('takes back a cursor inside the range, bounds included', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    for (const sk of ['B', 'C', 'D']) await queryPage({ key: { pk: 'P', skFrom: 'B', skTo: 'D' } }, { limit: 10, cursor: cursorFor({ pk: 'P', sk }) });
    expect(dynamo).toHaveReceivedCommandTimes(QueryCommand, 3);
  });

  it.each([
    ['before the range', { pk: 'P', sk: 'A' }],
    ['after the range', { pk: 'P', sk: 'D#' }],
    ['with an empty sort key', { pk: 'P', sk: '' }],
    ['with an empty partition key', { pk: '', sk: 'C' }],
    ['with a sort key longer than DynamoDB takes', { pk: 'P', sk: `C${'x'.repeat(1024)}` }],
    ['with half a UTF-16 pair in the sort key', { pk: 'P', sk: 'C\udfff' }],
  ])('refuses a cursor %s without querying', async (_case, position) => {
    await expect(queryPage({ key: { pk: 'P', skFrom: 'B', skTo: 'D' } }, { limit: 10, cursor: cursorFor(position) })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(dynamo).toHaveReceivedCommandTimes(QueryCommand, 0);
  });

  it('refuses a cursor with an empty key inside an index position', async () => {
    const position = { pk: '', sk: 'PURCHASE#p1', gsi1pk: 'PURCHASES#m#live', gsi1sk: '2030-01-01T00:00:00.000Z#p1' };
    await expect(queryPage({ key: { pk: 'PURCHASES#m#live' }, index: 'gsi1' }, { limit: 10, cursor: cursorFor(position) })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});

type Row = { pk: string; sk: string; gsi1pk: string; gsi1sk: string };

/**
 * gsi1 of a table in memory, answering Query as DynamoDB does: key condition, direction,
 * ExclusiveStartKey, and Limit (a LastEvaluatedKey whenever Limit stopped the read). It counts the
 * items it hands out, which is what a query pays for.
 */
const fakeIndex = (rows: Row[]) => {
  const read = { items: 0, queries: 0 };
  const order = (a: Row, b: Row) => a.gsi1sk.localeCompare(b.gsi1sk) || a.pk.localeCompare(b.pk) || a.sk.localeCompare(b.sk);
  dynamo.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    const values = input.ExpressionAttributeValues as Record<string, string>;
    const ascending = input.ScanIndexForward !== false;
    const partition = rows
      .filter((row) => row.gsi1pk === values[':pk'])
      .filter((row) => values[':skFrom'] === undefined || row.gsi1sk >= values[':skFrom'])
      .filter((row) => values[':skTo'] === undefined || row.gsi1sk <= values[':skTo'])
      .sort((a, b) => (ascending ? order(a, b) : order(b, a)));
    const start = input.ExclusiveStartKey as Row | undefined;
    const after = start ? partition.filter((row) => (ascending ? order(row, start) > 0 : order(row, start) < 0)) : partition;
    const items = after.slice(0, input.Limit ?? after.length);
    read.items += items.length;
    read.queries += 1;
    const last = items.at(-1);
    return { Items: items.map((row) => ({ ...row })), LastEvaluatedKey: items.length === input.Limit && last ? { ...last } : undefined };
  });
  return read;
};

const shardKeys = (count: number) => Array.from({ length: count }, (_, shard) => ({ pk: `LIST#${shard}` }));
const row = (shard: number, time: number, id: string): Row => ({
  pk: `ITEM#${id}`,
  sk: 'ITEM',
  gsi1pk: `LIST#${shard}`,
  gsi1sk: `2030-01-01T00:00:${String(time).padStart(4, '0')}#${id}`,
});

describe('queryShardedPage', () => {

  /** Uneven shards: 0 holds most, 1 a few, 2 none at all; times interleave. */
  const unevenRows = (): Row[] => [
    ...Array.from({ length: 40 }, (_, i) => row(0, i * 3, `a${i}`)),
    ...Array.from({ length: 7 }, (_, i) => row(1, i * 10 + 1, `b${i}`)),
  ];
  const sorted = (rows: Row[]) => [...rows].sort((a, b) => a.gsi1sk.localeCompare(b.gsi1sk)).map((r) => r.pk);

  const walk = async (query: Parameters<typeof queryShardedPage>[0], limit: number) => {
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await queryShardedPage<Row>(query, { limit, cursor });
      pages.push(page.data.map((item) => item.pk));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return pages;
  };

  it('merges three uneven shards into one page in the index order', async () => {
    const rows = unevenRows();
    fakeIndex(rows);
    const page = await queryShardedPage<Row>({ keys: shardKeys(3), index: 'gsi1' }, { limit: 20 });
    expect(page.data.map((item) => item.pk)).toEqual(sorted(rows).slice(0, 20));
    expect(page.nextCursor).toEqual(expect.any(String));
  });

  it.each([1, 4, 7, 100])('returns every item exactly once, in order, over pages of %i chained by cursor', async (limit) => {
    const rows = unevenRows();
    fakeIndex(rows);
    const pages = await walk({ keys: shardKeys(3), index: 'gsi1' }, limit);
    expect(pages.flat()).toEqual(sorted(rows));
    expect(pages.slice(0, -1).every((page) => page.length === limit)).toBe(true);
  });

  it('goes newest first when asked, and breaks ties in the index order by the table key', async () => {
    const rows = [row(0, 5, 'x'), row(1, 5, 'y'), row(2, 5, 'z'), row(0, 1, 'w')].map((r) => ({ ...r, gsi1sk: r.gsi1sk.split('#')[0] as string }));
    fakeIndex(rows);
    const pages = await walk({ keys: shardKeys(3), index: 'gsi1', ascending: false }, 2);
    expect(pages.flat()).toEqual(['ITEM#z', 'ITEM#y', 'ITEM#x', 'ITEM#w']);
  });

  it('reads a range of each shard', async () => {
    const rows = unevenRows();
    fakeIndex(rows);
    const range = { skFrom: '2030-01-01T00:00:0030', skTo: '2030-01-01T00:00:0060~' };
    const pages = await walk({ keys: shardKeys(3).map((key) => ({ ...key, ...range })), index: 'gsi1' }, 5);
    expect(pages.flat()).toEqual(sorted(rows.filter((r) => r.gsi1sk >= range.skFrom && r.gsi1sk <= range.skTo)));
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, { KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :skFrom AND :skTo' });
  });

  it('works for one partition too, and knows it ended without an empty last page', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => row(0, i, `a${i}`));
    fakeIndex(rows);
    const pages = await walk({ keys: shardKeys(1), index: 'gsi1' }, 5);
    expect(pages).toEqual([sorted(rows).slice(0, 5), sorted(rows).slice(5)]);
  });

  it('reads about what it returns, whether the shards are even or not', async () => {
    const even = Array.from({ length: 8 * 200 }, (_, i) => row(i % 8, i, `e${i}`));
    const evenRead = fakeIndex(even);
    await queryShardedPage({ keys: shardKeys(8), index: 'gsi1' }, { limit: 100 });
    expect(evenRead.items).toBeLessThanOrEqual(100 + 2 * 8);

    dynamo.reset();
    const skewed = [...Array.from({ length: 1000 }, (_, i) => row(3, i, `s${i}`)), row(5, 2000, 'late')];
    const skewedRead = fakeIndex(skewed);
    await queryShardedPage({ keys: shardKeys(8), index: 'gsi1' }, { limit: 100 });
    expect(skewedRead.items).toBeLessThanOrEqual(100 + 2 * 8);
    expect(skewedRead.queries).toBeLessThanOrEqual(8 + 4);
  });

  it('reads at most about twice the page when one shard holds all of it and the others only later items', async () => {
    const rows = [...Array.from({ length: 1000 }, (_, i) => row(0, i, `s${i}`)), ...Array.from({ length: 7 * 200 }, (_, i) => row(1 + (i % 7), 5000 + i, `l${i}`))];
    const read = fakeIndex(rows);
    const page = await queryShardedPage<Row>({ keys: shardKeys(8), index: 'gsi1' }, { limit: 100 });
    expect(page.data.map((item) => item.pk)).toEqual(sorted(rows).slice(0, 100));
    expect(read.items).toBeLessThanOrEqual(2 * 100 + 8);
    expect(read.queries).toBeLessThanOrEqual(8 + 5);
  });

  it('answers a null cursor once every shard is read to its end', async () => {
    fakeIndex(unevenRows());
    expect((await queryShardedPage({ keys: shardKeys(3), index: 'gsi1' }, { limit: 100 })).nextCursor).toBeNull();
  });

  const position = (shard: number, gsi1sk = '2030-01-01T00:00:0003#a1') => ({ pk: 'ITEM#a1', sk: 'ITEM', gsi1pk: `LIST#${shard}`, gsi1sk });

  /** The label of the list that a sharded query's cursors carry, as its first page gives it out. */
  const labelOf = async (query: Parameters<typeof queryShardedPage>[0]): Promise<string> => {
    dynamo.on(QueryCommand).resolves({ Items: [row(0, 0, 'first')], LastEvaluatedKey: { pk: 'more' } });
    const { nextCursor } = await queryShardedPage(query, { limit: 1 });
    dynamo.reset();
    return (JSON.parse(Buffer.from(nextCursor as string, 'base64url').toString()) as { list: string }).list;
  };
  const shardedCursor = (list: string, shards: unknown) => cursorFor({ list, shards });

  it('takes back its own cursor, and a shard marked done is not read again', async () => {
    const query = { keys: shardKeys(3), index: 'gsi1' as const };
    const cursor = shardedCursor(await labelOf(query), [position(0), 'done', null]);
    dynamo.on(QueryCommand).resolves({ Items: [] });
    await queryShardedPage(query, { limit: 5, cursor });
    expect(dynamo).toHaveReceivedCommandTimes(QueryCommand, 2);
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, { ExclusiveStartKey: position(0) });
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, { ExpressionAttributeValues: { ':pk': 'LIST#2' }, ExclusiveStartKey: undefined });
  });

  describe('refusing cursors', () => {
    const range = { skFrom: '2030-01-01', skTo: '2030-12-31~' };
    const query = { keys: shardKeys(3).map((key) => ({ ...key, ...range })), index: 'gsi1' as const };
    const refuses = async (cursor: string) => {
      await expect(queryShardedPage(query, { limit: 5, cursor })).rejects.toBeInstanceOf(ValidationError);
      expect(dynamo).toHaveReceivedCommandTimes(QueryCommand, 0);
    };

    it.each([
      ['a position in the wrong shard', [position(1), null, null]],
      ["another list's position", [{ ...position(0), gsi1pk: 'OTHER#0' }, null, null]],
      ['too few shards', [position(0), null]],
      ['too many shards', [position(0), null, null, null]],
      ['a position without the table key', [{ gsi1pk: 'LIST#0', gsi1sk: 'x' }, null, null]],
      ['a position with an extra attribute', [{ ...position(0), extra: 'x' }, null, null]],
      ['an empty key', [{ ...position(0), sk: '' }, null, null]],
      ['a number for a key', [{ ...position(0), gsi1sk: 5 }, null, null]],
      ['half a UTF-16 pair in a key (it has no UTF-8 form)', [{ ...position(0), sk: 'ITEM\ud800' }, null, null]],
      ['a state that is not one', ['finished', null, null]],
      ['a single position instead of one per shard', position(0)],
      ['a position outside the range', [position(0, '2029-12-31'), null, null]],
    ])('refuses a cursor with %s without querying', async (_case, shards) => {
      await refuses(shardedCursor(await labelOf(query), shards));
    });

    it.each([
      ["of another list as many shards long (another merchant's, say)", { keys: shardKeys(3).map((key) => ({ pk: `OTHER#${key.pk}`, ...range })), index: 'gsi1' as const }],
      ['of the same partitions over another kind of range', { keys: shardKeys(3).map((key) => ({ ...key, skFrom: range.skFrom })), index: 'gsi1' as const }],
      ['of the same partitions in the other order', { ...query, ascending: false }],
    ])('refuses the cursor %s, even when its shards name no partition', async (_case, other) => {
      await refuses(shardedCursor(await labelOf(other), ['done', null, null]));
    });

    it('refuses a list of shards without the label of its list, or with a label made up', async () => {
      await refuses(cursorFor(['done', null, null]));
      await refuses(shardedCursor('made-up', ['done', null, null]));
      await refuses(cursorFor({ list: await labelOf(query), shards: ['done', null, null], extra: 1 }));
    });
  });

  it('refuses a cursor that is not JSON, or a one-partition cursor', async () => {
    for (const cursor of ['bm90LWpzb24', cursorFor(position(0))])
      await expect(queryShardedPage({ keys: shardKeys(3), index: 'gsi1' }, { limit: 5, cursor })).rejects.toBeInstanceOf(ValidationError);
  });
});
