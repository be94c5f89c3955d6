import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ConflictError } from '../../../lambdas/core/errors';
import { Transaction } from '../../../lambdas/store/transaction';

process.env.TALLY_TABLE_NAME = 'tally-test';

const canceled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

describe('Transaction', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  afterEach(() => dynamo.reset());

  it('writes every item in one TransactWriteItems call on the configured table', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    await new Transaction()
      .put({ Item: { pk: 'A', sk: 'A' } })
      .update({ Key: { pk: 'B', sk: 'B' }, UpdateExpression: 'SET x = :x', ExpressionAttributeValues: { ':x': 1 } })
      .commit();
    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    expect(dynamo).toHaveReceivedCommandWith(TransactWriteCommand, { ClientRequestToken: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(dynamo).toHaveReceivedCommandWith(TransactWriteCommand, {
      TransactItems: [
        { Put: { TableName: 'tally-test', Item: { pk: 'A', sk: 'A' } } },
        expect.objectContaining({ Update: expect.objectContaining({ TableName: 'tally-test', Key: { pk: 'B', sk: 'B' } }) }),
      ],
    });
  });

  it('throws the domain error declared by the item whose condition failed', async () => {
    dynamo.on(TransactWriteCommand).rejects(canceled('None', 'ConditionalCheckFailed'));
    const commit = new Transaction()
      .put({ Item: { pk: 'A', sk: 'A' } }, () => new ConflictError('first', 'first failed'))
      .put({ Item: { pk: 'B', sk: 'B' } }, () => new ConflictError('second', 'second failed'))
      .commit();
    await expect(commit).rejects.toMatchObject({ type: 'second' });
  });

  it('retries when another transaction held the items, then succeeds', async () => {
    dynamo.on(TransactWriteCommand).rejectsOnce(canceled('TransactionConflict')).resolves({});
    await new Transaction().put({ Item: { pk: 'A', sk: 'A' } }).commit();
    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
  });

  it('gives up after repeated contention with a retryable 503 instead of looping forever', async () => {
    dynamo.on(TransactWriteCommand).rejects(canceled('TransactionConflict'));
    await expect(new Transaction().put({ Item: { pk: 'A', sk: 'A' } }).commit()).rejects.toMatchObject({ status: 503, type: 'busy' });
    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 5);
  });

  it('refuses more than 100 items before calling DynamoDB', async () => {
    const transaction = new Transaction();
    for (let i = 0; i < 101; i++) transaction.put({ Item: { pk: String(i), sk: 'x' } });
    await expect(transaction.commit()).rejects.toThrow(/at most 100/);
    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
  });
});
