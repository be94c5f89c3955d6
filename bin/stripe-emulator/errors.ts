/**
 * Errors answered as Stripe answers them. Handlers throw `ApiError`; the pipeline turns it into the
 * response. Two body shapes exist: the API's `{error: {type, code, message, param, doc_url}}` and the
 * OAuth endpoints' `{error: 'invalid_grant', error_description}` (the SDK maps each differently).
 */
export interface StripeErrorBody {
  type: 'invalid_request_error' | 'api_error' | 'idempotency_error';
  message: string;
  code?: string;
  param?: string;
  doc_url?: string;
}

export interface ApiErrorOptions {
  headers?: Record<string, string>;
  /**
   * Stripe saves an idempotent result only once an endpoint began executing: a request refused while
   * its parameters were validated may be retried with the same key and different parameters.
   */
  replayable?: boolean;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly payload: object,
    readonly options: ApiErrorOptions = {},
  ) {
    super(JSON.stringify(payload));
  }
}

const docUrl = (code: string) => `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}`;

export function stripeError(status: number, body: Omit<StripeErrorBody, 'doc_url'>, options?: ApiErrorOptions): ApiError {
  const withDoc: StripeErrorBody = body.code ? { ...body, doc_url: docUrl(body.code) } : body;
  return new ApiError(status, { error: withDoc }, options);
}

/** A refusal found while reading parameters: not saved for idempotent replay. */
export function invalidParam(message: string, param: string, code?: string): ApiError {
  return stripeError(400, { type: 'invalid_request_error', message, param, ...(code ? { code } : {}) }, { replayable: false });
}

export function invalidRequest(message: string, extra: { param?: string; code?: string } = {}): ApiError {
  return stripeError(400, { type: 'invalid_request_error', message, ...extra });
}

export function resourceMissing(noun: string, id: string, param = 'id', status = 404): ApiError {
  return stripeError(status, { type: 'invalid_request_error', code: 'resource_missing', message: `No such ${noun}: '${id}'`, param });
}

export function parameterUnknown(param: string): ApiError {
  return invalidParam(`Received unknown parameter: ${param}`, param, 'parameter_unknown');
}

export function parameterMissing(param: string): ApiError {
  return invalidParam(`Missing required param: ${param}.`, param, 'parameter_missing');
}

export function rateLimited(): ApiError {
  return stripeError(
    429,
    {
      type: 'invalid_request_error',
      code: 'rate_limit',
      message: 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
    },
    // A real rate limit is not worth retrying at once: the SDK defers to this header.
    { headers: { 'Stripe-Should-Retry': 'false' } },
  );
}

export function internalError(): ApiError {
  return stripeError(500, {
    type: 'api_error',
    message:
      "Sorry, something went wrong. We've already been notified of the problem, but if you need any help, you can reach us at support.stripe.com/contact.",
  });
}

export function oauthError(status: number, error: string, description: string): ApiError {
  return new ApiError(status, { error, error_description: description });
}
