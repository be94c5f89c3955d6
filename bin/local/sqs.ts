import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { type QueueName, queues, visibilityTimeoutSeconds } from '../../lambdas/functions';

export interface LocalSqs {
  endpoint: string;
  client: SQSClient;
  stop(): Promise<void>;
}

const region = 'us-east-1';

/** fauxqs speaks the SQS JSON protocol; it is ESM-only, hence the dynamic import. */
export const startSqs = async (options: { port: number }): Promise<LocalSqs> => {
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({ port: options.port, logger: false });
  const endpoint = `http://127.0.0.1:${server.port}`;
  const client = new SQSClient({ endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  return { endpoint, client, stop: () => server.stop() };
};

export interface QueueUrls {
  url: string;
  arn: string;
  deadLetterUrl: string;
}

/** Creates a queue and its dead-letter queue with the redrive policy of lambdas/functions.ts. */
export const createQueue = async (client: SQSClient, name: QueueName, prefix: string): Promise<QueueUrls> => {
  const dlq = await client.send(new CreateQueueCommand({ QueueName: `${prefix}-${name}-dlq` }));
  const dlqAttributes = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: `${prefix}-${name}`,
      Attributes: {
        VisibilityTimeout: String(visibilityTimeoutSeconds(name)),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqAttributes.Attributes?.QueueArn,
          maxReceiveCount: queues[name].maxReceiveCount,
        }),
      },
    }),
  );
  const attributes = await client.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: queue.QueueUrl as string, arn: attributes.Attributes?.QueueArn as string, deadLetterUrl: dlq.QueueUrl as string };
};

const toRecord = (message: Message, queueArn: string): SQSRecord => ({
  messageId: message.MessageId ?? '',
  receiptHandle: message.ReceiptHandle ?? '',
  body: message.Body ?? '',
  attributes: {
    ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
    SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
    SenderId: message.Attributes?.SenderId ?? 'local',
    ApproximateFirstReceiveTimestamp: message.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
  },
  messageAttributes: Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
      name,
      { stringValue: value.StringValue, dataType: value.DataType ?? 'String', stringListValues: [], binaryListValues: [] },
    ]),
  ),
  md5OfBody: message.MD5OfBody ?? '',
  eventSource: 'aws:sqs',
  eventSourceARN: queueArn,
  awsRegion: region,
});

/**
 * Which messages of a batch succeeded, as Lambda's event source mapping reads a result with
 * `reportBatchItemFailures`: a thrown error or a malformed failure list fails the whole batch.
 */
export const succeededMessages = (records: SQSRecord[], outcome: { result?: unknown; error?: unknown }): SQSRecord[] => {
  if (outcome.error !== undefined) return [];
  const failures = (outcome.result as SQSBatchResponse | undefined)?.batchItemFailures ?? [];
  const ids = new Set(records.map((record) => record.messageId));
  if (failures.some((failure) => !failure.itemIdentifier || !ids.has(failure.itemIdentifier))) return [];
  const failed = new Set(failures.map((failure) => failure.itemIdentifier));
  return records.filter((record) => !failed.has(record.messageId));
};

export interface PollerOptions {
  client: SQSClient;
  queue: QueueUrls;
  batchSize: number;
  maxConcurrency: number;
  invoke: (event: SQSEvent) => Promise<unknown>;
  onError?: (error: unknown) => void;
}

/**
 * Feeds a queue to its consumer as Lambda's event source mapping does: up to `maxConcurrency`
 * batches in flight, successes deleted, failures left to reappear after the visibility timeout,
 * and SQS's redrive policy moving a message to the DLQ after maxReceiveCount receives.
 */
export const startPoller = (options: PollerOptions): { stop(): Promise<void> } => {
  let running = true;
  const worker = async () => {
    while (running) {
      try {
        const { Messages = [] } = await options.client.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queue.url,
            MaxNumberOfMessages: options.batchSize,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
        if (Messages.length === 0) continue;
        const records = Messages.map((message) => toRecord(message, options.queue.arn));
        const outcome = await options.invoke({ Records: records }).then(
          (result) => ({ result }),
          (error: unknown) => ({ error }),
        );
        if ('error' in outcome) options.onError?.(outcome.error);
        const done = succeededMessages(records, outcome);
        if (done.length > 0)
          await options.client.send(
            new DeleteMessageBatchCommand({
              QueueUrl: options.queue.url,
              Entries: done.map((record, i) => ({ Id: String(i), ReceiptHandle: record.receiptHandle })),
            }),
          );
      } catch (error) {
        if (!running) return;
        options.onError?.(error);
        await sleep(500);
      }
    }
  };
  const workers = Array.from({ length: options.maxConcurrency }, worker);
  return {
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
};
