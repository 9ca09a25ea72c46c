import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { instanceNameSchema, requestIdSchema } from '../../events/fields';
import { describeIssues } from '../../events/issues';
import * as z from '../../events/zod';
import type { Logger } from '../shared/observability';
import type { RequestLedger } from '../shared/request-ledger';
import { httpErrorResponse, InvalidRequestError, NotFoundError } from './http-errors';
import { jsonResponse } from './json-response';
import {
  DEFAULT_LISTED_REQUESTS,
  listRequestsOfName,
  MAX_LISTED_REQUESTS,
  readRequestStatus,
} from './read-request-status';
import { requestLimits } from './request-limits';

export interface RequestStatusDeps {
  readonly ledger: RequestLedger;
  readonly logger: Logger;
}

/** The API resources these routes answer (API Gateway's `resource`, path parameters in braces). */
export const STATUS_RESOURCES = {
  request: '/requests/{requestId}',
  requests: '/requests',
} as const;

const limitSchema = z
  .pipe(
    z.string().check(z.regex(/^\d+$/, { error: 'must be a whole number' })),
    z.transform(Number),
  )
  .check(
    z.minimum(1, { error: 'must be at least 1' }),
    z.maximum(MAX_LISTED_REQUESTS, { error: `must be at most ${MAX_LISTED_REQUESTS}` }),
  );

/**
 * `GET /requests/{requestId}`: where each name of a request is, from the request ledger.
 * `GET /requests?instanceName=NAME&limit=N`: the latest requests of a name, newest first.
 */
export function createStatusHandler(deps: RequestStatusDeps) {
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(httpErrorResponse(deps.logger))
    .use(requestLimits({ method: 'GET', maxBodyBytes: 0 }))
    .handler(async (event) => {
      if (event.resource === STATUS_RESOURCES.request) {
        const requestId = field('requestId', requestIdSchema, event.pathParameters?.requestId);
        deps.logger.appendKeys({ requestId });
        const status = await readRequestStatus(deps.ledger, requestId);
        if (status === undefined) throw new NotFoundError(`No request has the id ${requestId}.`);
        return jsonResponse(200, status);
      }
      const query = event.queryStringParameters ?? {};
      const instanceName = field('instanceName', instanceNameSchema, query.instanceName);
      const limit =
        query.limit === undefined
          ? DEFAULT_LISTED_REQUESTS
          : field('limit', limitSchema, query.limit);
      return jsonResponse(200, {
        requests: await listRequestsOfName(deps.ledger, instanceName, limit),
      });
    });
}

function field<T>(name: string, schema: z.ZodMiniType<T>, value: unknown): T {
  if (value === undefined) {
    throw new InvalidRequestError([{ field: name, message: 'is required' }]);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new InvalidRequestError([{ field: name, message: describeIssues(parsed.error) }]);
  }
  return parsed.data;
}
