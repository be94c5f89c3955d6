import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj, type Request } from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { PayloadTooLargeError, UnauthorizedError, ValidationError } from '../core/errors';
import { logger } from '../core/logger';
import { httpTimeoutSeconds } from '../functions';
import { authenticateMerchant, authenticateOperator } from '../merchants/api-keys';
import { zodIssues } from '../core/validation';
import { httpErrors } from './errors';
import { idempotent } from './idempotency';
import { header, rawBody } from './request';
import { type HttpResult, isHttpResult, json } from './response';

export { header, rawBody };

/** Admin bodies are small; routes that take more (webhooks) say so. */
export const defaultMaxBodyBytes = 64 * 1024;

interface RouteSpec<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType> {
  body?: B;
  query?: Q;
  params?: P;
  /** Status of a plain (non-HttpResult) return value. */
  status?: number;
  maxBodyBytes?: number;
  /** Headers every response carries, errors included (CORS: a browser must be able to read a 400 too). */
  headers?: Record<string, string>;
}

export interface RouteRequest<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  event: APIGatewayProxyEventV2;
}

type Handler<R> = (request: R) => Promise<unknown>;
type Authenticate<Extra> = (event: APIGatewayProxyEventV2) => Promise<Extra>;
/** Whose `Idempotency-Key`s a caller's writes are checked against; callers without one take none. */
type IdempotencyScope<Extra> = (extra: Extra) => string;

const bearerToken = (event: APIGatewayProxyEventV2): string => {
  const match = /^Bearer\s+(\S+)$/i.exec(header(event, 'authorization') ?? '');
  if (!match?.[1]) throw new UnauthorizedError();
  return match[1];
};

const parse = <S extends z.ZodType>(schema: S | undefined, value: unknown, where: string): z.infer<S> => {
  if (!schema) return undefined as z.infer<S>;
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(`The ${where} is not valid.`, zodIssues(result.error));
  return result.data;
};

const parseJsonBody = (event: APIGatewayProxyEventV2, maxBytes: number): unknown => {
  const body = rawBody(event);
  if (body.length > maxBytes) throw new PayloadTooLargeError(maxBytes);
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new ValidationError('The request body is not valid JSON.', undefined, 'invalid_json');
  }
};

/** Adds a route's own headers to whatever it answers, once http/errors.ts has made failures responses. */
const routeHeaders = (headers: Record<string, string> = {}): MiddlewareObj<APIGatewayProxyEventV2, HttpResult> => {
  const add = (request: Request<APIGatewayProxyEventV2, HttpResult>) => {
    if (request.response) request.response = { ...request.response, headers: { ...request.response.headers, ...headers } };
  };
  return { after: add, onError: add };
};

/** When the invocation will be stopped (epoch ms): an idempotency claim is held no longer. */
const deadlineOf = (context: Context | undefined) =>
  Date.now() + (context?.getRemainingTimeInMillis?.() ?? httpTimeoutSeconds * 1000);

/**
 * Builds a Lambda handler for one HTTP route: authenticate, then validate body, query and path
 * parameters with the route's zod schemas, then make the one core call — once per
 * `Idempotency-Key` for writes under /v1/ (http/idempotency.ts), after the input was found valid,
 * as Stripe does. Errors of any step become responses in http/errors.ts.
 */
export const defineRoute =
  <Extra extends object>(authenticate: Authenticate<Extra>, idempotencyScope?: IdempotencyScope<Extra>) =>
  <B extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodUndefined, P extends z.ZodType = z.ZodUndefined>(
    spec: RouteSpec<B, Q, P>,
    handle: Handler<RouteRequest<z.infer<B>, z.infer<Q>, z.infer<P>> & Extra>,
  ) =>
    middy<APIGatewayProxyEventV2, HttpResult>()
      .use(injectLambdaContext(logger, { resetKeys: true }))
      .use(routeHeaders(spec.headers))
      .use(httpErrors())
      .handler(async (event, context) => {
        const extra = await authenticate(event);
        const request = {
          ...extra,
          event,
          body: spec.body ? parse(spec.body, parseJsonBody(event, spec.maxBodyBytes ?? defaultMaxBodyBytes), 'request body') : undefined,
          query: parse(spec.query, event.queryStringParameters ?? {}, 'query string'),
          params: parse(spec.params, event.pathParameters ?? {}, 'path'),
        } as RouteRequest<z.infer<B>, z.infer<Q>, z.infer<P>> & Extra;
        const run = async () => {
          const result = await handle(request);
          return isHttpResult(result) ? result : json(spec.status ?? 200, result);
        };
        return idempotencyScope ? idempotent(idempotencyScope(extra), event, deadlineOf(context), run) : run();
      });

export const publicRoute = defineRoute(async () => ({}));

export const operatorRoute = defineRoute(
  async (event) => {
    await authenticateOperator(bearerToken(event));
    return {};
  },
  () => 'operator',
);

export const merchantRoute = defineRoute(
  async (event) => {
    const merchantId = await authenticateMerchant(bearerToken(event));
    logger.appendKeys({ merchantId });
    return { merchantId };
  },
  ({ merchantId }) => merchantId,
);
