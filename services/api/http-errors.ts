import type middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Logger } from '../shared/observability';
import { jsonResponse } from './json-response';
import { RequestNotPublishedError } from './request-amis';

/** One problem with a request, named in the API's terms, e.g. `instance_name_list[2]`. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export class InvalidRequestError extends Error {
  constructor(
    readonly errors: readonly FieldError[],
    options?: ErrorOptions,
  ) {
    super(errors.map(({ field, message }) => `${field}: ${message}`).join('; '), options);
    this.name = 'InvalidRequestError';
  }
}

export class PayloadTooLargeError extends Error {
  constructor(
    readonly maxBytes: number,
    readonly actualBytes: number,
  ) {
    super(`request body has ${actualBytes} bytes, more than ${maxBytes}`);
    this.name = 'PayloadTooLargeError';
  }
}

/** The resource the path names does not exist, e.g. an unknown request id. */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

export class MethodNotAllowedError extends Error {
  constructor(
    readonly method: string,
    readonly allowed: string,
  ) {
    super(`method ${method} is not allowed`);
    this.name = 'MethodNotAllowedError';
  }
}

/**
 * The one place errors become HTTP answers. Only 4xx answers carry details; a 5xx answer says
 * what the caller can do and never carries an internal message or stack trace.
 */
export function toHttpResponse(error: unknown): APIGatewayProxyResult {
  if (error instanceof InvalidRequestError) {
    return jsonResponse(400, { message: 'Invalid request', errors: error.errors });
  }
  if (error instanceof PayloadTooLargeError) {
    return jsonResponse(413, {
      message: 'Payload too large',
      errors: [{ field: 'body', message: `must be at most ${error.maxBytes} bytes` }],
    });
  }
  if (error instanceof NotFoundError) return jsonResponse(404, { message: error.message });
  if (error instanceof MethodNotAllowedError) {
    return jsonResponse(
      405,
      { message: `Method not allowed: use ${error.allowed}` },
      { allow: error.allowed },
    );
  }
  const bodyParserError = fromBodyParser(error);
  if (bodyParserError !== undefined) {
    return toHttpResponse(new InvalidRequestError([bodyParserError], { cause: error }));
  }
  if (error instanceof RequestNotPublishedError) {
    return jsonResponse(503, {
      message: 'The request was not accepted; retry it with the same request_id',
      requestId: error.requestId,
    });
  }
  return jsonResponse(500, { message: 'Internal server error' });
}

/** @middy/http-json-body-parser answers 415 and 422; this API answers 400 naming the field. */
function fromBodyParser(error: unknown): FieldError | undefined {
  if (!(error instanceof Error && 'statusCode' in error)) return undefined;
  if (error.statusCode === 415) {
    return { field: 'content-type', message: 'must be application/json' };
  }
  if (error.statusCode === 422) return { field: 'body', message: 'must be valid JSON' };
  return undefined;
}

/**
 * Middleware that answers every error with `toHttpResponse`. It sets the response instead of
 * returning it, so the observability middlewares' own error hooks still flush metrics and logs.
 */
export function httpErrorResponse(
  logger: Logger,
): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: (request) => {
      const response = toHttpResponse(request.error);
      if (response.statusCode >= 500) {
        logger.error('Request failed', { statusCode: response.statusCode, error: request.error });
      } else {
        logger.warn('Request refused', {
          statusCode: response.statusCode,
          reason: request.error?.message,
        });
      }
      request.response = response;
    },
  };
}
