import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import * as z from 'zod';
import { ConflictError } from '../../../lambdas/core/errors';
import { publicRoute } from '../../../lambdas/http/route';
import { redirect } from '../../../lambdas/http/response';

const context = { getRemainingTimeInMillis: () => 10_000, functionName: 'test', awsRequestId: 'r1' } as unknown as Context;

const event = (overrides: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 =>
  ({ version: '2.0', routeKey: 'POST /x', rawPath: '/x', rawQueryString: '', headers: {}, isBase64Encoded: false, requestContext: {}, ...overrides }) as APIGatewayProxyEventV2;

const call = (handler: (e: APIGatewayProxyEventV2, c: Context) => Promise<unknown>, e: APIGatewayProxyEventV2) =>
  handler(e, context) as Promise<{ statusCode: number; body: string; headers: Record<string, string> }>;

describe('route wrapper', () => {
  const echo = publicRoute(
    { body: z.strictObject({ name: z.string().min(1) }), query: z.object({ n: z.coerce.number().int().optional() }), status: 201, maxBodyBytes: 100 },
    async ({ body, query }) => ({ name: body.name, n: query.n }),
  );

  it('validates and passes body and query to the core call, answering with the route status', async () => {
    const response = await call(echo, event({ body: '{"name":"Ada"}', queryStringParameters: { n: '3' } }));
    expect(response.statusCode).toBe(201);
    expect(JSON.parse(response.body)).toEqual({ name: 'Ada', n: 3 });
  });

  it('reads a base64-encoded body', async () => {
    const response = await call(echo, event({ body: Buffer.from('{"name":"B64"}').toString('base64'), isBase64Encoded: true }));
    expect(JSON.parse(response.body)).toEqual({ name: 'B64' });
  });

  it('answers 400 with the issues of an invalid body', async () => {
    const response = await call(echo, event({ body: '{"name":""}' }));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error).toMatchObject({ type: 'validation_error', issues: [{ path: ['name'] }] });
  });

  it('answers 413 before parsing a body over the limit', async () => {
    const response = await call(echo, event({ body: JSON.stringify({ name: 'x'.repeat(200) }) }));
    expect(response.statusCode).toBe(413);
  });

  it('maps a domain error to its status and type', async () => {
    const conflict = publicRoute({}, async () => {
      throw new ConflictError('thing.exists', 'It exists.');
    });
    const response = await call(conflict, event());
    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body)).toEqual({ error: { type: 'thing.exists', message: 'It exists.' } });
  });

  it('answers 500 without details for our own bug', async () => {
    const broken = publicRoute({}, async () => {
      throw new TypeError('secret internals');
    });
    const response = await call(broken, event());
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret internals');
  });

  it('passes an HttpResult through untouched', async () => {
    const moved = publicRoute({}, async () => redirect('https://example.com/'));
    const response = await call(moved, event());
    expect(response).toMatchObject({ statusCode: 302, headers: { location: 'https://example.com/' } });
  });
});
