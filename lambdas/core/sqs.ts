import { SQSClient } from '@aws-sdk/client-sqs';
import { config } from './config';

let client: SQSClient | undefined;

/** The one SQS client of a container; locally it talks to the SQS server the stack runs. */
export const sqs = (): SQSClient => {
  const endpoint = config().TALLY_SQS_ENDPOINT;
  client ??= new SQSClient(endpoint ? { endpoint } : {});
  return client;
};
