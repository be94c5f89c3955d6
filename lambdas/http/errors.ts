import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ZodError } from 'zod';
import { type ErrorIssue, TallyError } from '../core/errors';
import { logger } from '../core/logger';
import { zodIssues } from '../core/validation';
import { type HttpResult, json, page } from './response';

export interface ErrorBody {
  error: { type: string; message: string; issues?: ErrorIssue[] };
}

/**
 * The one place errors become responses: domain errors keep their status and type, validation
 * failures list their issues, and anything else is our fault — a 500 that is logged, never a 400.
 */
export const toErrorResponse = (error: unknown): HttpResult => {
  if (error instanceof TallyError) {
    const body: ErrorBody = { error: { type: error.type, message: error.message, issues: error.issues } };
    return json(error.status, body);
  }
  if (error instanceof ZodError) {
    const body: ErrorBody = {
      error: { type: 'validation_error', message: 'The request is not valid.', issues: zodIssues(error) },
    };
    return json(400, body);
  }
  logger.error('Unhandled error', { error: error as Error });
  return json(500, { error: { type: 'internal_error', message: 'Something went wrong on our side.' } });
};

/**
 * For routes a browser is sent to (the OAuth redirects): a link that cannot be used is a short
 * 400 page, not JSON; anything else is thrown on to become the usual error response.
 */
export const unusableLinkPage = (error: unknown): HttpResult => {
  if (error instanceof TallyError && error.status === 400) return page(400, 'This link cannot be used', error.message);
  throw error;
};

export const httpErrors = (): MiddlewareObj<APIGatewayProxyEventV2, HttpResult> => ({
  onError: (request) => {
    request.response = toErrorResponse(request.error);
  },
});
