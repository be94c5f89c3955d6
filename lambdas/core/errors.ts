/**
 * Typed domain errors. Each carries a stable `type` that clients can branch on; the HTTP edge maps
 * the class to a status code in one place (http/errors.ts), so domain code never thinks in statuses.
 */
export interface ErrorIssue {
  path: (string | number)[];
  message: string;
}

export abstract class TallyError extends Error {
  abstract readonly status: number;
  constructor(
    readonly type: string,
    message: string,
    readonly issues?: ErrorIssue[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The input is wrong; nothing was changed. */
export class ValidationError extends TallyError {
  readonly status = 400;
  constructor(message: string, issues?: ErrorIssue[], type = 'validation_error') {
    super(type, message, issues);
  }
}

export class UnauthorizedError extends TallyError {
  readonly status = 401;
  constructor(message = 'A valid API key is required in the Authorization header.') {
    super('unauthorized', message);
  }
}

/** The caller is known but may not do this (a failed CSRF check, a role without the right). */
export class ForbiddenError extends TallyError {
  readonly status = 403;
  constructor(type: string, message: string) {
    super(type, message);
  }
}

/** Missing, or belonging to another merchant: the two are deliberately indistinguishable. */
export class NotFoundError extends TallyError {
  readonly status = 404;
  constructor(what: string) {
    super('not_found', `${what} not found.`);
  }
}

export class ConflictError extends TallyError {
  readonly status = 409;
  constructor(type: string, message: string) {
    super(type, message);
  }
}

export class PayloadTooLargeError extends TallyError {
  readonly status = 413;
  constructor(limitBytes: number) {
    super('payload_too_large', `The request body is larger than ${limitBytes} bytes.`);
  }
}

export class RateLimitedError extends TallyError {
  readonly status = 429;
  constructor(message = 'Too many requests; retry later.') {
    super('rate_limited', message);
  }
}

/** A dependency (Stripe, AWS) failed in a way the caller can retry; nothing was stored. */
export class UpstreamError extends TallyError {
  readonly status = 502;
  constructor(type: string, message: string) {
    super(type, message);
  }
}

/** Our own storage is contended right now; nothing was stored and the same request can be retried. */
export class BusyError extends TallyError {
  readonly status = 503;
  constructor(message = 'Too much is changing at once; retry shortly.') {
    super('busy', message);
  }
}
