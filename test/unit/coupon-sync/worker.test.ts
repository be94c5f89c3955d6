import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handleResyncMessage, retryDelaySeconds } from '../../../lambdas/coupon-sync/worker';

process.env.TALLY_RESYNC_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/tally-resync';

describe('a failed resync message', () => {
  const sqs = mockClient(SQSClient);
  afterEach(() => sqs.reset());

  it('waits longer before each new delivery: 10 s, 40 s, 160 s, 640 s', () => {
    expect([1, 2, 3, 4].map((count) => retryDelaySeconds(count, 5))).toEqual([10, 40, 160, 640]);
  });

  it('goes straight on to the dead-letter queue after its last allowed delivery', () => {
    expect(retryDelaySeconds(5, 5)).toBe(0);
  });

  it('is put back for later on the queue and reported failed', async () => {
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    await expect(handleResyncMessage({ body: '{"kind":"nonsense"}', receiptHandle: 'handle-1', receiveCount: 2 }, () => 60_000)).rejects.toThrow(
      'Not a resync message',
    );
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityCommand, {
      QueueUrl: process.env.TALLY_RESYNC_QUEUE_URL,
      ReceiptHandle: 'handle-1',
      VisibilityTimeout: 40,
    });
  });

  it('still fails (and returns after the visibility timeout) when SQS cannot shorten its wait', async () => {
    sqs.on(ChangeMessageVisibilityCommand).rejects(new Error('SQS is down'));
    await expect(handleResyncMessage({ body: 'not json', receiptHandle: 'handle-2', receiveCount: 1 }, () => 60_000)).rejects.toThrow(
      'Not a resync message',
    );
  });
});
