import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import * as z from 'zod';
import { anyOriginCors } from '../../../lambdas/http/cors';
import { publicRoute } from '../../../lambdas/http/route';

const context = { getRemainingTimeInMillis: () => 10_000, functionName: 'test', awsRequestId: 'r1' } as unknown as Context;
const event = (body: string) =>
  ({ version: '2.0', routeKey: 'POST /x', rawPath: '/x', rawQueryString: '', headers: {}, isBase64Encoded: false, requestContext: {}, body }) as APIGatewayProxyEventV2;

describe("a route's own headers", () => {
  const route = publicRoute({ body: z.strictObject({ n: z.int() }), maxBodyBytes: 20, headers: anyOriginCors }, async ({ body }) => {
    if (body.n < 0) throw new TypeError('bug');
    return { n: body.n };
  });
  const call = async (body: string) => (await route(event(body), context)) as { statusCode: number; headers: Record<string, string> };

  it.each([
    ['a success', '{"n":1}', 200],
    ['a validation error', '{"n":"x"}', 400],
    ['a body over the limit', `{"n":${'1'.repeat(30)}}`, 413],
    ['our own bug', '{"n":-1}', 500],
  ])('are on %s too, so a browser can read it', async (_case, body, status) => {
    const response = await call(body);
    expect(response.statusCode).toBe(status);
    expect(response.headers).toMatchObject({ 'access-control-allow-origin': '*', 'content-type': expect.stringContaining('json') });
  });
});
