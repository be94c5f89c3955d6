import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { type HttpRoute, routeKey } from '../../lambdas/functions';

/**
 * What API Gateway's HTTP API does around a Lambda integration (payload format 2.0), for the local
 * runner: route matching, the request event, and turning the Lambda's result into a response.
 */

export interface RouteMatch {
  route: HttpRoute;
  pathParameters: Record<string, string>;
}

const segments = (path: string) => path.split('/').filter(Boolean);
const isParameter = (segment: string) => segment.startsWith('{') && segment.endsWith('}');
/** `{proxy+}`: the rest of the path, one segment or more (only as a template's last segment). */
const isGreedy = (segment: string) => segment.startsWith('{') && segment.endsWith('+}');

const fits = (template: readonly string[], requested: readonly string[]): boolean => {
  const greedy = template.length > 0 && isGreedy(template.at(-1) as string);
  if (greedy ? requested.length < template.length : requested.length !== template.length) return false;
  return template.every((part, i) => isParameter(part) || part === requested[i]);
};

/**
 * Literal segments win over `{parameters}`, and any exact route over a greedy `{proxy+}` one, as
 * API Gateway picks the most specific route.
 */
export const matchRoute = (routes: readonly HttpRoute[], method: string, path: string): RouteMatch | undefined => {
  const requested = segments(path);
  const literals = (template: readonly string[]) => template.filter((part) => !isParameter(part)).length;
  const candidates = routes
    .filter((route) => route.method === method)
    .map((route) => ({ route, template: segments(route.path) }))
    .filter(({ template }) => fits(template, requested))
    .sort((a, b) => Number(isGreedy(a.template.at(-1) ?? '')) - Number(isGreedy(b.template.at(-1) ?? '')) || literals(b.template) - literals(a.template));
  const best = candidates[0];
  if (!best) return undefined;
  const pathParameters: Record<string, string> = {};
  best.template.forEach((part, i) => {
    if (isGreedy(part)) pathParameters[part.slice(1, -2)] = requested.slice(i).map(decodeURIComponent).join('/');
    else if (isParameter(part)) pathParameters[part.slice(1, -1)] = decodeURIComponent(requested[i] ?? '');
  });
  return { route: best.route, pathParameters };
};

/** API Gateway passes text bodies as they are and base64-encodes everything else. */
const isTextual = (contentType: string | undefined) =>
  !contentType || /^(text\/|application\/(json|x-www-form-urlencoded|xml|javascript)|[^;]*\+json)/i.test(contentType);

export interface IncomingRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  sourceIp: string;
}

export const toApiGatewayEvent = (request: IncomingRequest, match: RouteMatch): APIGatewayProxyEventV2 => {
  const url = new URL(request.url, 'http://localhost');
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') {
      cookies = (Array.isArray(value) ? value.join('; ') : value).split(/;\s*/).filter(Boolean);
      continue;
    }
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;

  const textual = isTextual(headers['content-type']);
  const now = new Date();
  const key = routeKey(match.route);
  return {
    version: '2.0',
    routeKey: key,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    cookies,
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: Object.keys(match.pathParameters).length ? match.pathParameters : undefined,
    body: request.body.length ? request.body.toString(textual ? 'utf8' : 'base64') : undefined,
    isBase64Encoded: request.body.length > 0 && !textual,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: request.method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: key,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
  };
};

export interface OutgoingResponse {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/**
 * Payload format 2.0: a result with `statusCode` is used as given; anything else is taken as a
 * JSON body with status 200, which is what API Gateway infers.
 */
export const fromLambdaResult = (result: unknown): OutgoingResponse => {
  const structured = typeof result === 'object' && result !== null && 'statusCode' in result;
  if (!structured) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(body) };
  }
  const response = result as APIGatewayProxyStructuredResultV2;
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(response.headers ?? {})) headers[name.toLowerCase()] = String(value);
  if (response.cookies?.length) headers['set-cookie'] = response.cookies;
  const body = Buffer.from(response.body ?? '', response.isBase64Encoded ? 'base64' : 'utf8');
  return { statusCode: response.statusCode ?? 200, headers, body };
};

/** API Gateway's own answers, which never reach a Lambda. */
export const gatewayResponses = {
  notFound: (): OutgoingResponse => ({
    statusCode: 404,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from('{"message":"Not Found"}'),
  }),
  payloadTooLarge: (): OutgoingResponse => ({
    statusCode: 413,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from('{"message":"Request Entity Too Large"}'),
  }),
  internalError: (): OutgoingResponse => ({
    statusCode: 500,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from('{"message":"Internal Server Error"}'),
  }),
};
