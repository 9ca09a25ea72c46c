import type middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { MethodNotAllowedError, PayloadTooLargeError } from './http-errors';

/** 25 names of 104 characters fit many times over; anything larger is not a real request. */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * Refuses other methods and oversized bodies before the body is decoded or parsed. The size is
 * counted in bytes of the body as sent, so base64-encoded bodies are measured after decoding.
 */
export function requestLimits({
  method,
  maxBodyBytes,
}: {
  method: string;
  maxBodyBytes: number;
}): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    before: ({ event }) => {
      if (event.httpMethod !== method) throw new MethodNotAllowedError(event.httpMethod, method);
      if (event.body === null) return;
      const bytes = Buffer.byteLength(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
      if (bytes > maxBodyBytes) throw new PayloadTooLargeError(maxBodyBytes, bytes);
    },
  };
}
