import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import * as Affiliates from '../../../lambdas/affiliates/affiliate';

process.env.TALLY_TABLE_NAME = 'tally-test';

const dynamo = mockClient(DynamoDBDocumentClient);

/** The affiliate item a transaction put, as DynamoDB would store it. */
const putAffiliate = (call: number) =>
  (dynamo.commandCalls(TransactWriteCommand)[call]?.args[0].input.TransactItems ?? [])
    .map((item) => item.Put?.Item)
    .find((item) => item?.type === 'affiliate') as Record<string, unknown>;

describe("an affiliate's status index entry", () => {
  beforeEach(() => dynamo.on(TransactWriteCommand).resolves({}));
  afterEach(() => dynamo.reset());

  it('is written on create, and moves to the other status partition on archive and on restore', async () => {
    const created = await Affiliates.create('mer_1', { email: 'ada@example.com' });
    const stored = putAffiliate(0);
    expect(stored).toMatchObject({ gsi3pk: 'AFFILIATES#mer_1#active', gsi3sk: created.id });

    dynamo.on(GetCommand, { Key: { pk: 'MERCHANT#mer_1', sk: `AFFILIATE#${created.id}` } }).resolves({ Item: stored });
    await Affiliates.archive('mer_1', created.id);
    const archived = putAffiliate(1);
    expect(archived).toMatchObject({ status: 'archived', gsi3pk: 'AFFILIATES#mer_1#archived', gsi3sk: created.id });

    dynamo.on(GetCommand, { Key: { pk: 'MERCHANT#mer_1', sk: `AFFILIATE#${created.id}` } }).resolves({ Item: archived });
    await Affiliates.update('mer_1', created.id, { status: 'active' });
    expect(putAffiliate(2)).toMatchObject({ status: 'active', gsi3pk: 'AFFILIATES#mer_1#active', gsi3sk: created.id });
  });

  it('is what a status list reads: that status partition of gsi3, with no filter over the others', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    await Affiliates.list('mer_1', { limit: 7 }, { status: 'archived' });
    const input = dynamo.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ IndexName: 'gsi3', ExpressionAttributeValues: { ':pk': 'AFFILIATES#mer_1#archived' }, Limit: 7 });
    expect(input?.FilterExpression).toBeUndefined();
  });
});
