import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import type { Key } from '../../lambdas/store/keys';
import { api } from './api';
import { dynamo, stack } from './stack';

/** A visitor ID as the tracking script makes one. */
export const newVisitorId = () => randomBytes(16).toString('base64url');

/** A tracking call as the script sends it: a JSON text/plain body, so browsers need no preflight. */
export const track = (action: 'visit' | 'lead', body: Record<string, unknown>) =>
  api('POST', `/v1/track/${action}`, { rawBody: JSON.stringify(body), headers: { 'content-type': 'text/plain;charset=UTF-8' } });

/** The stored item under a key, read straight from DynamoDB Local. */
export const storedItem = async (key: Key) =>
  (await dynamo().send(new GetCommand({ TableName: stack().tableName, Key: key, ConsistentRead: true }))).Item;
