import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readFileSync } from 'node:fs';
import type { QueueUrls } from '../../bin/local/sqs';

/** The running local stack, as bin/local.ts described it in its ready file. */
export interface StackDescription {
  apiUrl: string;
  publicUrl: string;
  operatorKey: string;
  tableName: string;
  dynamoEndpoint: string;
  sqsEndpoint: string;
  queues: Record<string, QueueUrls>;
  emulatorUrl: string;
  demo: { merchantId: string; apiKey: string; trackingKey: string };
}

let description: StackDescription | undefined;

export const stack = (): StackDescription => {
  if (!description) {
    const file = process.env.TALLY_STACK_FILE;
    if (!file) throw new Error('TALLY_STACK_FILE is not set: run integration tests through jest (global setup)');
    description = JSON.parse(readFileSync(file, 'utf8')) as StackDescription;
  }
  return description;
};

let documentClient: DynamoDBDocumentClient | undefined;

/** Direct access to DynamoDB Local, for asserting what is (and is not) stored. */
export const dynamo = (): DynamoDBDocumentClient => {
  documentClient ??= DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: stack().dynamoEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  return documentClient;
};

/**
 * Points code from lambdas/ that a test runs in its own process (store, stats, ledger) at the
 * stack's table and its ledger and history queues, so a correction, payout or history job queued
 * here is carried out by the stack's own poller. Call it before that code first reads its configuration (cached at first use).
 */
export const useStackTable = (): void => {
  Object.assign(process.env, {
    TALLY_TABLE_NAME: stack().tableName,
    TALLY_DYNAMODB_ENDPOINT: stack().dynamoEndpoint,
    TALLY_SQS_ENDPOINT: stack().sqsEndpoint,
    TALLY_LEDGER_QUEUE_URL: stack().queues.ledger?.url,
    TALLY_HISTORY_QUEUE_URL: stack().queues.history?.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
};
