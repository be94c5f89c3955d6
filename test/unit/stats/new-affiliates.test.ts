import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import * as Affiliates from '../../../lambdas/affiliates/affiliate';

process.env.TALLY_TABLE_NAME = 'tally-test';

describe('a new affiliate in the stats', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  afterEach(() => dynamo.reset());

  it('is counted in both modes, in the same transaction as the affiliate', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    await Affiliates.create('mer_1', { email: 'ada@example.com' });

    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    const items = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    const counted = items.flatMap((item) =>
      item.Update?.Key?.sk?.startsWith('DAY#') ? [[(item.Update.Key.pk as string).replace(/#\d+$/, ''), item.Update.ExpressionAttributeNames?.['#c0'], item.Update.ExpressionAttributeValues?.[':c0']]] : [],
    );
    expect(counted.sort()).toEqual([
      ['STATS#mer_1#live', 'newAffiliates', 1],
      ['STATS#mer_1#test', 'newAffiliates', 1],
    ]);
    expect(items.some((item) => item.Put?.Item?.type === 'affiliate')).toBe(true);
  });
});
