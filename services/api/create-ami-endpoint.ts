import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { authenticatedCaller } from './authenticated-caller';
import { parseCreateAmiRequest } from './create-ami-request';
import { httpErrorResponse } from './http-errors';
import { jsonResponse } from './json-response';
import { type RequestAmisDeps, requestAmis } from './request-amis';
import { MAX_BODY_BYTES, requestLimits } from './request-limits';

/**
 * `POST /create-ami` (API Gateway REST, proxy integration): validates the body, publishes one
 * `AmiRequested` v1 event and answers 202 once EventBridge has accepted it.
 */
export function createHandler(deps: RequestAmisDeps) {
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(logMetrics(deps.metrics))
    .use(httpErrorResponse(deps.logger))
    .use(httpHeaderNormalizer())
    .use(requestLimits({ method: 'POST', maxBodyBytes: MAX_BODY_BYTES }))
    .use(httpJsonBodyParser())
    .handler(async (event) => {
      // The body parser has replaced the raw string with the decoded JSON value.
      const body = parseCreateAmiRequest(event.body);
      const accepted = await requestAmis(deps, {
        instanceNames: body.instance_name_list,
        requestId: body.request_id,
        requestedBy: authenticatedCaller(event.requestContext.identity),
        // The body's `requested_by` is the caller's own claim: kept as a label, never as the caller.
        requestLabel: body.requested_by,
        noReboot: body.no_reboot,
      });
      return jsonResponse(202, accepted);
    });
}
