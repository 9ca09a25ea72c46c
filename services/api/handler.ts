import { randomUUID } from 'node:crypto';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { systemClock } from '../shared/clock';
import { createObservability } from '../shared/observability';
import { loadApiConfig } from './config';
import { createHandler } from './create-ami-endpoint';

const config = loadApiConfig();
const { logger, metrics } = createObservability('ami-lifecycle-api');

export const handler = createHandler({
  // Standard configuration only: AWS_ENDPOINT_URL and friends keep working (the local cloud).
  eventBridge: new EventBridgeClient({}),
  eventBusName: config.eventBusName,
  clock: systemClock,
  newRequestId: randomUUID,
  logger,
  metrics,
});
