import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { systemClock } from '../shared/clock';
import { createObservability } from '../shared/observability';
import { parseJanitorConfig } from './config';
import { createHandler, type JanitorHandler } from './create-handler';
import { systemTimer } from './token-bucket';

// Cold start: a bad setting fails here, naming the variable. Clients use standard configuration
// (AWS_REGION, AWS_ENDPOINT_URL*, AWS_MAX_ATTEMPTS) so a local cloud can stand in for AWS.
const { logger, metrics } = createObservability('janitor');

export const handler: JanitorHandler = createHandler({
  ec2: new EC2Client({}),
  eventBridge: new EventBridgeClient({}),
  config: parseJanitorConfig(),
  clock: systemClock,
  timer: systemTimer,
  logger,
  metrics,
});
