import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { batchGet, ItemLookup } from '../../../lambdas/store/batch';

process.env.TALLY_TABLE_NAME = 'tally-test';

const key = (n: number) => ({ pk: `P#${n}`, sk: 'S' });

describe('batchGet', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  afterEach(() => dynamo.reset());

  it('reads each key once, strongly consistent, 100 keys per call', async () => {
    dynamo.on(BatchGetCommand).resolves({ Responses: { 'tally-test': [] } });
    const keys = Array.from({ length: 150 }, (_, n) => key(n));
    await batchGet([...keys, key(0), key(1)]);
    const calls = dynamo.commandCalls(BatchGetCommand).map((call) => call.args[0].input.RequestItems?.['tally-test']);
    expect(calls.map((request) => request?.Keys?.length)).toEqual([100, 50]);
    expect(calls.every((request) => request?.ConsistentRead)).toBe(true);
  });

  it('retries the keys DynamoDB left unprocessed, and tells read-and-absent from never-read', async () => {
    dynamo
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { 'tally-test': [{ ...key(1), v: 1 }] }, UnprocessedKeys: { 'tally-test': { Keys: [key(2)] } } })
      .resolves({ Responses: { 'tally-test': [{ ...key(2), v: 2 }] } });
    const fetched = await batchGet([key(1), key(2), key(3)]);
    expect(dynamo).toHaveReceivedCommandTimes(BatchGetCommand, 2);
    expect([fetched.get(key(1)), fetched.get(key(2)), fetched.get(key(3))]).toEqual([{ ...key(1), v: 1 }, { ...key(2), v: 2 }, undefined]);
    expect([fetched.wasRead(key(3)), fetched.wasRead(key(4))]).toEqual([true, false]);
  });

  it('adds a second round to the first', async () => {
    dynamo.on(BatchGetCommand).resolves({ Responses: { 'tally-test': [{ ...key(2) }] } });
    const fetched = new ItemLookup().add([key(1)], [{ ...key(1) }]);
    await batchGet([key(2)], fetched);
    expect([fetched.get(key(1)), fetched.get(key(2))]).toEqual([key(1), key(2)]);
  });

  it('makes no call for no keys', async () => {
    await batchGet([]);
    expect(dynamo).toHaveReceivedCommandTimes(BatchGetCommand, 0);
  });
});
