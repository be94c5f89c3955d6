import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Key } from '../../lambdas/store/keys';
import { api } from './api';
import { dynamo, stack } from './stack';

/** A visitor ID as the tracking script makes one. */
export const newVisitorId = () => randomBytes(16).toString('base64url');

/** A tracking call as the script sends it: a JSON text/plain body, so browsers need no preflight. */
export const track = (action: 'visit' | 'lead', body: Record<string, unknown>) =>
  api('POST', `/v1/track/${action}`, { rawBody: JSON.stringify(body), headers: { 'content-type': 'text/plain;charset=UTF-8' } });

/**
 * The same call from another client address: the local stack listens on 127.0.0.1 and sees the
 * loopback address the connection came from (any of 127.0.0.0/8), as API Gateway sees a client's IP.
 */
export const trackFrom = (clientIp: string, action: 'visit' | 'lead', body: Record<string, unknown>) =>
  new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }>((resolve, reject) => {
    const url = new URL(`/v1/track/${action}`, stack().apiUrl);
    const call = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress: clientIp, headers: { 'content-type': 'text/plain' } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      },
    );
    call.on('error', reject);
    call.end(JSON.stringify(body));
  });

/** The stored item under a key, read straight from DynamoDB Local. */
export const storedItem = async (key: Key) =>
  (await dynamo().send(new GetCommand({ TableName: stack().tableName, Key: key, ConsistentRead: true }))).Item;
