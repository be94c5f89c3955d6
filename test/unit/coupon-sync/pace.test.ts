import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { callIntervalMs, reserveCallSlot } from '../../../lambdas/stripe/pace';

process.env.TALLY_TABLE_NAME = 'tally-test';

const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
const key = { pk: 'STRIPEPACE#live#acct_1', sk: 'PACE' };

describe('the shared pace of calls to a Stripe account', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  afterEach(() => dynamo.reset());

  it('spaces calls at 95 % of the limit: about 10.5 ms live, 42 ms test', () => {
    expect(callIntervalMs('live')).toBeCloseTo(10.53, 2);
    expect(callIntervalMs('test')).toBeCloseTo(42.11, 2);
  });

  it('gives a busy account the next free moment, moving it on by one interval atomically', async () => {
    dynamo.on(UpdateCommand).resolvesOnce({ Attributes: { next: 1_050 } });
    expect(await reserveCallSlot(key, 10, 1_000)).toBe(1_040);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: key,
      UpdateExpression: expect.stringContaining('#next = #next + :interval'),
      ConditionExpression: '#next >= :now',
      ExpressionAttributeValues: expect.objectContaining({ ':interval': 10, ':now': 1_000 }),
    });
  });

  it('lets an idle account call at once, starting the pace again from now', async () => {
    dynamo.on(UpdateCommand).rejectsOnce(conditionFailed()).resolvesOnce({});
    expect(await reserveCallSlot(key, 10, 1_000)).toBe(1_000);
    expect(dynamo).toHaveReceivedNthCommandWith(2, UpdateCommand, {
      ConditionExpression: 'attribute_not_exists(#next) OR #next < :now',
      ExpressionAttributeValues: expect.objectContaining({ ':next': 1_010 }),
    });
  });

  it('queues behind a worker that woke the account up at the same moment', async () => {
    dynamo
      .on(UpdateCommand)
      .rejectsOnce(conditionFailed())
      .rejectsOnce(conditionFailed())
      .resolvesOnce({ Attributes: { next: 1_020 } });
    expect(await reserveCallSlot(key, 10, 1_000)).toBe(1_010);
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 3);
  });
});
