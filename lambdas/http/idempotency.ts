import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createHash, randomUUID } from 'node:crypto';
import { ConflictError, ValidationError } from '../core/errors';
import { logger } from '../core/logger';
import { db, tableName } from '../store/db';
import { type Key, keys } from '../store/keys';
import { toErrorResponse } from './errors';
import { header, rawBody } from './request';
import type { HttpResult } from './response';

/**
 * Stripe's idempotent requests (SPEC section 4) for every POST, PATCH and DELETE under /v1/: the
 * first request with an `Idempotency-Key` claims the key with a conditional put and runs; its
 * answer is stored and replayed for 24 hours to the same key with the same request. A 4xx is an
 * answer like any other, as at Stripe. A 5xx or 429 says "nothing was done, try again", so it
 * releases the claim and the retry runs afresh. Like Powertools' idempotency, a claim is held
 * only until its Lambda's deadline: a claim still "running" after it belongs to an invocation that
 * was killed, and a retry may take it over.
 */

export const idempotencyHeader = 'idempotency-key';
const keepSeconds = 24 * 60 * 60;
/** Stripe's limit is 255 characters; printable ASCII keeps the key readable in the table. */
const keyPattern = /^[\x20-\x7e]{1,255}$/;
const writeMethods = new Set(['POST', 'PATCH', 'DELETE']);

interface IdempotencyRecord {
  fingerprint: string;
  claimId: string;
  status: 'running' | 'done';
  /** Epoch milliseconds: the deadline of the invocation that holds the claim. */
  lockedUntil: number;
  /** Epoch seconds: the table's TTL attribute. */
  expiresAt: number;
  response?: HttpResult;
}

/** `POST /v1/affiliates`-style route keys (API Gateway's `event.routeKey`) whose requests take a key. */
export const takesIdempotencyKey = (routeKey: string): boolean => {
  const [method = '', path = ''] = routeKey.split(' ');
  return writeMethods.has(method) && path.startsWith('/v1/');
};

/** Objects with their keys sorted, so a client that rebuilds the same body in another order still matches. */
const canonical = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, inner]) => [name, canonical(inner)]),
  );
};

/** What "the same request" means: method, path, query and body. */
export const fingerprintOf = (event: APIGatewayProxyEventV2): string => {
  const [method] = event.routeKey.split(' ');
  const query = canonical(event.queryStringParameters ?? {});
  const body = rawBody(event);
  let content: string;
  try {
    content = body.length === 0 ? '' : JSON.stringify(canonical(JSON.parse(body.toString('utf8'))));
  } catch {
    content = body.toString('base64');
  }
  return createHash('sha256').update(JSON.stringify([method, event.rawPath, query, content])).digest('base64url');
};

const nowSeconds = (now: number) => Math.floor(now / 1000);

/** Free, expired but not yet removed by TTL, or held past its deadline by an invocation that died. */
const claimCondition =
  'attribute_not_exists(pk) OR expiresAt <= :nowSeconds OR (#status = :running AND lockedUntil < :now AND fingerprint = :fingerprint)';
const isClaimable = (record: IdempotencyRecord, fingerprint: string, now: number) =>
  record.expiresAt <= nowSeconds(now) || (record.status === 'running' && record.lockedUntil < now && record.fingerprint === fingerprint);

const claim = async (key: Key, fingerprint: string, claimId: string, lockedUntil: number): Promise<boolean> => {
  const now = Date.now();
  try {
    await db().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...key, type: 'idempotencyKey', fingerprint, claimId, status: 'running', lockedUntil, expiresAt: nowSeconds(now) + keepSeconds },
        ConditionExpression: claimCondition,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':nowSeconds': nowSeconds(now), ':now': now, ':running': 'running', ':fingerprint': fingerprint },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
};

const read = async (key: Key): Promise<IdempotencyRecord | undefined> => {
  const { Item } = await db().send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }));
  return Item as IdempotencyRecord | undefined;
};

/** Both only while the claim is still ours: a takeover after our deadline is not undone. */
const store = (key: Key, claimId: string, response: HttpResult) =>
  db().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: key,
      UpdateExpression: 'SET #status = :done, #response = :response',
      ConditionExpression: 'claimId = :claimId',
      ExpressionAttributeNames: { '#status': 'status', '#response': 'response' },
      ExpressionAttributeValues: { ':done': 'done', ':response': response, ':claimId': claimId },
    }),
  );
const release = (key: Key, claimId: string) =>
  db().send(
    new DeleteCommand({
      TableName: tableName(),
      Key: key,
      ConditionExpression: 'claimId = :claimId',
      ExpressionAttributeValues: { ':claimId': claimId },
    }),
  );

const isRetryable = (response: HttpResult) => response.statusCode >= 500 || response.statusCode === 429;

const runClaimed = async (key: Key, claimId: string, run: () => Promise<HttpResult>): Promise<HttpResult> => {
  let response: HttpResult;
  try {
    response = await run();
  } catch (error) {
    response = toErrorResponse(error);
  }
  try {
    await (isRetryable(response) ? release(key, claimId) : store(key, claimId, response));
  } catch (error) {
    // The answer stands. The claim lapses at this invocation's deadline and a retry then runs again.
    logger.error('Could not record the outcome of an idempotent request', { error: error as Error, statusCode: response.statusCode });
  }
  return response;
};

const replay = (response: HttpResult): HttpResult => {
  logger.info('Idempotent request replayed', { statusCode: response.statusCode });
  return { ...response, headers: { ...response.headers, 'idempotent-replayed': 'true' } };
};

const inUse = () =>
  new ConflictError('idempotency_key_in_use', 'A request with this Idempotency-Key is still being processed; retry shortly.');

/**
 * Runs a write at most once per `Idempotency-Key` within `scope` (the merchant, or the operator).
 * `lockedUntil` is the invocation's deadline (epoch ms). Requests without the header just run.
 */
export const idempotent = async (
  scope: string,
  event: APIGatewayProxyEventV2,
  lockedUntil: number,
  run: () => Promise<HttpResult>,
): Promise<HttpResult> => {
  const idempotencyKey = header(event, idempotencyHeader);
  if (idempotencyKey === undefined || !takesIdempotencyKey(event.routeKey)) return run();
  if (!keyPattern.test(idempotencyKey))
    throw new ValidationError('The Idempotency-Key header is not valid.', [
      { path: ['Idempotency-Key'], message: 'must be 1 to 255 printable ASCII characters' },
    ]);
  const key = keys.idempotencyKey(scope, idempotencyKey);
  const fingerprint = fingerprintOf(event);
  const claimId = randomUUID();
  // A claim that fails finds the key taken; one that was released or lapsed meanwhile is claimed again.
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await claim(key, fingerprint, claimId, lockedUntil)) return runClaimed(key, claimId, run);
    const existing = await read(key);
    if (!existing || isClaimable(existing, fingerprint, Date.now())) continue;
    if (existing.fingerprint !== fingerprint)
      throw new ValidationError(
        'This Idempotency-Key was already used with another request (method, path, query or body); use a new key for a new request.',
        undefined,
        'idempotency_error',
      );
    if (existing.status === 'done' && existing.response) return replay(existing.response);
    throw inUse();
  }
  throw inUse();
};
