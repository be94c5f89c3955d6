import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { startPoller, succeededMessages } from '../../../bin/local/sqs';

const record = (messageId: string) => ({ messageId, receiptHandle: `rh-${messageId}` }) as SQSRecord;
const batch = [record('m1'), record('m2'), record('m3')];

describe('succeededMessages (Lambda partial batch semantics)', () => {
  it('treats every message as done when no failure is reported', () => {
    expect(succeededMessages(batch, { result: { batchItemFailures: [] } })).toEqual(batch);
    expect(succeededMessages(batch, { result: undefined })).toEqual(batch);
  });

  it('keeps the reported failures for redelivery', () => {
    expect(succeededMessages(batch, { result: { batchItemFailures: [{ itemIdentifier: 'm2' }] } }).map((r) => r.messageId)).toEqual([
      'm1',
      'm3',
    ]);
  });

  it('fails the whole batch when the handler throws', () => {
    expect(succeededMessages(batch, { error: new Error('boom') })).toEqual([]);
  });

  it('fails the whole batch when a failure names no message of the batch', () => {
    expect(succeededMessages(batch, { result: { batchItemFailures: [{ itemIdentifier: '' }] } })).toEqual([]);
    expect(succeededMessages(batch, { result: { batchItemFailures: [{ itemIdentifier: 'other' }] } })).toEqual([]);
  });
});

describe('startPoller', () => {
  const sqs = mockClient(SQSClient);
  afterEach(() => sqs.reset());

  it('deletes only the messages the handler did not report as failed', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          { MessageId: 'm1', ReceiptHandle: 'rh1', Body: '{}' },
          { MessageId: 'm2', ReceiptHandle: 'rh2', Body: '{}' },
        ],
      })
      .resolves({ Messages: [] });
    sqs.on(DeleteMessageBatchCommand).resolves({});
    let invoked!: () => void;
    const done = new Promise<void>((resolve) => (invoked = resolve));

    const poller = startPoller({
      client: new SQSClient({ region: 'us-east-1' }),
      queue: { url: 'http://queue', arn: 'arn:aws:sqs:us-east-1:0:q', deadLetterUrl: 'http://dlq' },
      batchSize: 10,
      maxConcurrency: 1,
      invoke: async (event) => {
        expect(event.Records.map((r) => r.messageId)).toEqual(['m1', 'm2']);
        invoked();
        return { batchItemFailures: [{ itemIdentifier: 'm2' }] };
      },
    });
    await done;
    await poller.stop();

    expect(sqs).toHaveReceivedCommandWith(ReceiveMessageCommand, { QueueUrl: 'http://queue', MaxNumberOfMessages: 10 });
    expect(sqs).toHaveReceivedCommandTimes(DeleteMessageBatchCommand, 1);
    expect(sqs).toHaveReceivedCommandWith(DeleteMessageBatchCommand, { Entries: [{ Id: '0', ReceiptHandle: 'rh1' }] });
  });
});
