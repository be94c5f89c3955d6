import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import * as z from 'zod';
import { ConflictError, RateLimitedError } from '../../../lambdas/core/errors';
import { fingerprintOf, idempotent, takesIdempotencyKey } from '../../../lambdas/http/idempotency';
import { json } from '../../../lambdas/http/response';
import { merchantRoute } from '../../../lambdas/http/route';
import { hashKey } from '../../../lambdas/merchants/api-keys';
import { keys } from '../../../lambdas/store/keys';

process.env.TALLY_TABLE_NAME = 'tally-test';

const dynamo = mockClient(DynamoDBDocumentClient);
const ccf = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

const event = (overrides: Partial<APIGatewayProxyEventV2> = {}, key: string | null = 'key-1'): APIGatewayProxyEventV2 =>
  ({
    version: '2.0',
    routeKey: 'POST /v1/affiliates',
    rawPath: '/v1/affiliates',
    rawQueryString: '',
    headers: key === null ? {} : { 'idempotency-key': key },
    body: '{"email":"ada@example.com","name":"Ada"}',
    isBase64Encoded: false,
    requestContext: {},
    ...overrides,
  }) as APIGatewayProxyEventV2;

const recordKey = keys.idempotencyKey('mer_1', 'key-1');
const created = json(201, { id: 'aff_1' });
const inAMinute = () => Date.now() + 60_000;

const stored = (overrides: Record<string, unknown> = {}) => ({
  Item: {
    ...recordKey,
    fingerprint: fingerprintOf(event()),
    claimId: 'someone-else',
    status: 'done',
    lockedUntil: Date.now() - 1000,
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
    response: created,
    ...overrides,
  },
});

beforeEach(() => {
  dynamo.reset();
  dynamo.on(PutCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  dynamo.on(DeleteCommand).resolves({});
});

describe('which requests take an Idempotency-Key', () => {
  it.each([
    ['POST /v1/affiliates', true],
    ['PATCH /v1/merchant/settings', true],
    ['DELETE /v1/affiliates/{id}', true],
    ['GET /v1/affiliates', false],
    ['POST /webhooks/stripe', false],
    ['POST /stripe-app/stats', false],
  ])('%s: %s', (routeKey, expected) => {
    expect(takesIdempotencyKey(routeKey)).toBe(expected);
  });
});

describe('the fingerprint of a request', () => {
  it('is the same for the same body with its fields in another order', () => {
    expect(fingerprintOf(event({ body: '{"name":"Ada","email":"ada@example.com"}' }))).toBe(fingerprintOf(event()));
  });

  it.each([
    ['another body', { body: '{"email":"bob@example.com"}' }],
    ['another path', { rawPath: '/v1/commission-plans' }],
    ['another method', { routeKey: 'PATCH /v1/affiliates' }],
    ['another query', { queryStringParameters: { mode: 'live' } }],
  ])('differs for %s', (_case, overrides) => {
    expect(fingerprintOf(event(overrides as Partial<APIGatewayProxyEventV2>))).not.toBe(fingerprintOf(event()));
  });
});

describe('an idempotent write', () => {
  it('claims the key for 24 hours and until the invocation deadline, runs, and stores the answer', async () => {
    const lockedUntil = inAMinute();
    const run = jest.fn().mockResolvedValue(created);
    const response = await idempotent('mer_1', event(), lockedUntil, run);

    expect(response).toEqual(created);
    expect(run).toHaveBeenCalledTimes(1);
    expect(dynamo).toReceiveCommandWith(PutCommand, {
      Item: expect.objectContaining({
        ...recordKey,
        status: 'running',
        lockedUntil,
        fingerprint: fingerprintOf(event()),
      }),
      ConditionExpression: expect.stringContaining('attribute_not_exists(pk)'),
    });
    const { claimId, expiresAt } = dynamo.commandCalls(PutCommand)[0]!.args[0].input.Item!;
    expect(expiresAt - Math.floor(Date.now() / 1000)).toBeGreaterThan(86_400 - 5);
    expect(expiresAt - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(86_400);
    expect(dynamo).toReceiveCommandWith(UpdateCommand, {
      Key: recordKey,
      ExpressionAttributeValues: { ':done': 'done', ':response': created, ':claimId': claimId },
    });
  });

  it('replays the stored answer to the same key and request, without running again', async () => {
    dynamo.on(PutCommand).rejects(ccf());
    dynamo.on(GetCommand).resolves(stored());
    const run = jest.fn();
    const response = await idempotent('mer_1', event(), inAMinute(), run);
    expect(run).not.toHaveBeenCalled();
    expect(response).toEqual({ ...created, headers: { ...created.headers, 'idempotent-replayed': 'true' } });
  });

  it('refuses the key with another request as idempotency_error', async () => {
    dynamo.on(PutCommand).rejects(ccf());
    dynamo.on(GetCommand).resolves(stored({ fingerprint: 'another' }));
    const run = jest.fn();
    await expect(idempotent('mer_1', event(), inAMinute(), run)).rejects.toMatchObject({ status: 400, type: 'idempotency_error' });
    expect(run).not.toHaveBeenCalled();
  });

  it('answers 409 while the first request still runs', async () => {
    dynamo.on(PutCommand).rejects(ccf());
    dynamo.on(GetCommand).resolves(stored({ status: 'running', response: undefined, lockedUntil: inAMinute() }));
    const run = jest.fn();
    await expect(idempotent('mer_1', event(), inAMinute(), run)).rejects.toMatchObject({ status: 409, type: 'idempotency_key_in_use' });
    expect(run).not.toHaveBeenCalled();
  });

  it('takes over a claim left running past its deadline (its invocation died)', async () => {
    dynamo.on(PutCommand).rejectsOnce(ccf()).resolves({});
    dynamo.on(GetCommand).resolves(stored({ status: 'running', response: undefined, lockedUntil: Date.now() - 1 }));
    const run = jest.fn().mockResolvedValue(created);
    expect(await idempotent('mer_1', event(), inAMinute(), run)).toEqual(created);
    expect(run).toHaveBeenCalledTimes(1);
    expect(dynamo).toHaveReceivedCommandTimes(PutCommand, 2);
  });

  it('stores a 4xx answer like any other', async () => {
    const run = jest.fn().mockRejectedValue(new ConflictError('affiliate.email_taken', 'Taken.'));
    const response = await idempotent('mer_1', event(), inAMinute(), run);
    expect(response.statusCode).toBe(409);
    expect(dynamo).toReceiveCommandWith(UpdateCommand, { ExpressionAttributeValues: expect.objectContaining({ ':response': response }) });
    expect(dynamo).not.toHaveReceivedCommand(DeleteCommand);
  });

  it.each([
    ['our own bug (500)', new TypeError('bug')],
    ['a rate limit (429)', new RateLimitedError()],
  ])('releases the claim after %s, so a retry runs again', async (_case, error) => {
    const run = jest.fn().mockRejectedValue(error);
    const response = await idempotent('mer_1', event(), inAMinute(), run);
    expect(response.statusCode).toBeGreaterThanOrEqual(429);
    const claimId = dynamo.commandCalls(PutCommand)[0]!.args[0].input.Item!.claimId;
    expect(dynamo).toReceiveCommandWith(DeleteCommand, { Key: recordKey, ExpressionAttributeValues: { ':claimId': claimId } });
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('still answers when its answer cannot be stored', async () => {
    dynamo.on(UpdateCommand).rejects(new Error('DynamoDB is down'));
    expect(await idempotent('mer_1', event(), inAMinute(), async () => created)).toEqual(created);
  });

  it.each([
    ['empty', ''],
    ['longer than 255 characters', 'k'.repeat(256)],
    ['not printable ASCII', 'clé'],
  ])('refuses a key that is %s before claiming anything', async (_case, key) => {
    const run = jest.fn();
    await expect(idempotent('mer_1', event({}, key), inAMinute(), run)).rejects.toMatchObject({ status: 400, issues: [{ path: ['Idempotency-Key'] }] });
    expect(run).not.toHaveBeenCalled();
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });

  it.each([
    ['without the header', event({}, null)],
    ['on a read', event({ routeKey: 'GET /v1/affiliates' })],
  ])('just runs %s', async (_case, request) => {
    expect(await idempotent('mer_1', request, inAMinute(), async () => created)).toEqual(created);
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });
});

describe("a merchant route's writes", () => {
  const context = { getRemainingTimeInMillis: () => 7_000, functionName: 'test', awsRequestId: 'r1' } as unknown as Context;
  const apiKey = 'tally_sk_unit';
  const route = merchantRoute({ body: z.strictObject({ email: z.email(), name: z.string() }), status: 201 }, async () => ({ id: 'aff_1' }));
  const call = (request: APIGatewayProxyEventV2) =>
    route({ ...request, headers: { ...request.headers, authorization: `Bearer ${apiKey}` } }, context) as Promise<{ statusCode: number }>;

  beforeEach(() => {
    dynamo.on(GetCommand, { Key: keys.apiKey(hashKey(apiKey)) }).resolves({ Item: { keyHash: hashKey(apiKey), merchantId: 'mer_1' } });
  });

  it("claim the merchant's key until the invocation's deadline", async () => {
    const before = Date.now();
    expect((await call(event())).statusCode).toBe(201);
    const item = dynamo.commandCalls(PutCommand)[0]!.args[0].input.Item!;
    expect(item).toMatchObject(recordKey);
    expect(item.lockedUntil).toBeGreaterThanOrEqual(before + 7_000);
    expect(item.lockedUntil).toBeLessThanOrEqual(Date.now() + 7_000);
  });

  it('claim nothing for a body that is not valid: Stripe keeps no result for those either', async () => {
    expect((await call(event({ body: '{"email":"nope"}' }))).statusCode).toBe(400);
    expect(dynamo).not.toHaveReceivedCommand(PutCommand);
  });
});
