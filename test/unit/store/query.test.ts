import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ValidationError } from '../../../lambdas/core/errors';
import { queryPage } from '../../../lambdas/store/query';

process.env.TALLY_TABLE_NAME = 'tally-test';

const cursorFor = (key: object) => Buffer.from(JSON.stringify(key)).toString('base64url');

describe('queryPage', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  afterEach(() => dynamo.reset());

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
