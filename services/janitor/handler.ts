import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { systemClock } from '../shared/clock';
import { createObservability } from '../shared/observability';
import { parseJanitorConfig } from './config';
import { createHandler, type JanitorHandler } from './create-handler';
import { createReferenceCheck } from './find-image-references';
import { systemTimer } from './token-bucket';

// Cold start: a bad setting fails here, naming the variable. Clients use standard configuration
// (AWS_REGION, AWS_ENDPOINT_URL*) so a local cloud can stand in for AWS.
const { logger, metrics } = createObservability('janitor');
const config = parseJanitorConfig();

/**
 * Heavy EC2 throttling is ridden out rather than failed: reads retry more than the SDK's default
 * 3 attempts. DeregisterImage makes one attempt per call, since the janitor paces and retries it
 * itself; two retry layers would multiply the calls.
 */
const ec2 = new EC2Client({ maxAttempts: 10 });
const ec2Deregister = new EC2Client({ maxAttempts: 1 });
const ssm = new SSMClient({ maxAttempts: 10 });

export const handler: JanitorHandler = createHandler({
  ec2,
  ec2Deregister,
  dynamodb: new DynamoDBClient({ maxAttempts: 10 }),
  eventBridge: new EventBridgeClient({}),
  sfn: new SFNClient({ maxAttempts: 10 }),
  referenceCheck: () => createReferenceCheck({ ec2, ssm, config, clock: systemClock, logger }),
  config,
  clock: systemClock,
  timer: systemTimer,
  logger,
  metrics,
});
