import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { systemClock } from '../shared/clock';
import { createObservability } from '../shared/observability';
import { RequestLedger } from '../shared/request-ledger';
import { loadApiConfig } from './config';
import { createHandler as createAmiHandler } from './create-ami-endpoint';
import { createStatusHandler, STATUS_RESOURCES } from './request-status-endpoint';

const config = loadApiConfig();
const { logger, metrics } = createObservability('ami-lifecycle-api');
// Standard configuration only: AWS_ENDPOINT_URL and friends keep working (the local cloud).
const ledger = new RequestLedger({
  dynamodb: new DynamoDBClient({}),
  tableName: config.ledgerTableName,
  clock: systemClock,
});

const createAmi = createAmiHandler({
  eventBridge: new EventBridgeClient({}),
  eventBusName: config.eventBusName,
  ledger,
  clock: systemClock,
  newRequestId: randomUUID,
  logger,
  metrics,
});
const status = createStatusHandler({ ledger, logger });

/** One function behind every route of the API; API Gateway names the route in `resource`. */
export function handler(event: APIGatewayProxyEvent, context: Context) {
  const statusRoute = (Object.values(STATUS_RESOURCES) as string[]).includes(event.resource);
  return statusRoute ? status(event, context) : createAmi(event, context);
}
