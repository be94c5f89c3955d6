import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config, requireSetting } from '../core/config';

let client: DynamoDBDocumentClient | undefined;

/** One document client per container, created on first use so cold start stays lean. */
export const db = (): DynamoDBDocumentClient => {
  if (!client) {
    const endpoint = config().TALLY_DYNAMODB_ENDPOINT;
    client = DynamoDBDocumentClient.from(new DynamoDBClient(endpoint ? { endpoint } : {}), {
      marshallOptions: { removeUndefinedValues: true },
    });
  }
  return client;
};

export const tableName = (): string => requireSetting('TALLY_TABLE_NAME');
