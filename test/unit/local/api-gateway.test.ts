import { fromLambdaResult, matchRoute, toApiGatewayEvent } from '../../../bin/local/api-gateway';
import type { HttpRoute } from '../../../lambdas/functions';

const routes: HttpRoute[] = [
  { method: 'GET', path: '/v1/affiliates', handler: 'list', access: {} },
  { method: 'GET', path: '/v1/affiliates/{id}', handler: 'get', access: {} },
  { method: 'GET', path: '/v1/affiliates/export', handler: 'export', access: {} },
  { method: 'POST', path: '/v1/affiliates/{id}/resync', handler: 'resync', access: {} },
];

const request = (overrides: Partial<Parameters<typeof toApiGatewayEvent>[0]> = {}) => ({
  method: 'GET',
  url: '/v1/affiliates/aff_1',
  headers: {},
  body: Buffer.alloc(0),
  sourceIp: '10.0.0.1',
  ...overrides,
});

describe('matchRoute', () => {
  it('prefers a literal segment over a path parameter, as API Gateway does', () => {
    expect(matchRoute(routes, 'GET', '/v1/affiliates/export')?.route.handler).toBe('export');
    expect(matchRoute(routes, 'GET', '/v1/affiliates/aff_1')?.route.handler).toBe('get');
  });

  it('decodes path parameters', () => {
    expect(matchRoute(routes, 'POST', '/v1/affiliates/a%20b/resync')?.pathParameters).toEqual({ id: 'a b' });
  });

  it('lets a greedy {proxy+} take one segment or more, after every exact route', () => {
    const withConsole: HttpRoute[] = [
      ...routes,
      { method: 'GET', path: '/console', handler: 'root', access: {} },
      { method: 'GET', path: '/console/{proxy+}', handler: 'pages', access: {} },
      { method: 'GET', path: '/console/health', handler: 'exact', access: {} },
    ];
    expect(matchRoute(withConsole, 'GET', '/console')?.route.handler).toBe('root');
    expect(matchRoute(withConsole, 'GET', '/console/health')?.route.handler).toBe('exact');
    expect(matchRoute(withConsole, 'GET', '/console/affiliates/aff%201')).toEqual({
      route: expect.objectContaining({ handler: 'pages' }),
      pathParameters: { proxy: 'affiliates/aff 1' },
    });
    expect(matchRoute(withConsole, 'POST', '/console/affiliates')).toBeUndefined();
  });

  it('matches neither another method nor another depth', () => {
    expect(matchRoute(routes, 'DELETE', '/v1/affiliates/aff_1')).toBeUndefined();
    expect(matchRoute(routes, 'GET', '/v1/affiliates/aff_1/extra')).toBeUndefined();
  });
});

describe('toApiGatewayEvent', () => {
  const match = { route: routes[1] as HttpRoute, pathParameters: { id: 'aff_1' } };

  it('builds a payload 2.0 event with the route key, lower-case headers and joined query values', () => {
    const event = toApiGatewayEvent(
      request({ url: '/v1/affiliates/aff_1?status=active&tag=a&tag=b', headers: { 'x-custom': 'yes', 'user-agent': 'jest' } }),
      match,
    );
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /v1/affiliates/{id}',
      rawPath: '/v1/affiliates/aff_1',
      rawQueryString: 'status=active&tag=a&tag=b',
      queryStringParameters: { status: 'active', tag: 'a,b' },
      pathParameters: { id: 'aff_1' },
      headers: { 'x-custom': 'yes' },
      requestContext: { http: { method: 'GET', sourceIp: '10.0.0.1', userAgent: 'jest' }, stage: '$default' },
    });
    expect(event.body).toBeUndefined();
  });

  it('moves cookies out of the headers into `cookies`', () => {
    const event = toApiGatewayEvent(request({ headers: { cookie: 'a=1; b=2' } }), match);
    expect(event.cookies).toEqual(['a=1', 'b=2']);
    expect(event.headers.cookie).toBeUndefined();
  });

  it('passes JSON as text and base64-encodes a binary body', () => {
    const json = toApiGatewayEvent(request({ headers: { 'content-type': 'application/json' }, body: Buffer.from('{"a":1}') }), match);
    expect(json).toMatchObject({ body: '{"a":1}', isBase64Encoded: false });
    const bytes = Buffer.from([0, 1, 2, 255]);
    const binary = toApiGatewayEvent(request({ headers: { 'content-type': 'application/octet-stream' }, body: bytes }), match);
    expect(binary).toMatchObject({ body: bytes.toString('base64'), isBase64Encoded: true });
  });
});

describe('fromLambdaResult', () => {
  it('uses a structured result as given, with cookies as Set-Cookie', () => {
    const response = fromLambdaResult({ statusCode: 302, headers: { Location: '/x' }, cookies: ['a=1', 'b=2'], body: '' });
    expect(response.statusCode).toBe(302);
    expect(response.headers).toEqual({ location: '/x', 'set-cookie': ['a=1', 'b=2'] });
  });

  it('decodes a base64 result body', () => {
    const response = fromLambdaResult({ statusCode: 200, body: Buffer.from('hello').toString('base64'), isBase64Encoded: true });
    expect(response.body.toString()).toBe('hello');
  });

  it('infers a 200 JSON response from a plain object, as API Gateway does', () => {
    const response = fromLambdaResult({ ok: true });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.body.toString())).toEqual({ ok: true });
  });
});
