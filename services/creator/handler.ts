import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { AmiRequestedV1 } from '../../events/ami-requested.v1';
import { parseEvent } from '../../events/contract';
import { systemClock } from '../shared/clock';
import { createObservability } from '../shared/observability';
import { RequestLedger } from '../shared/request-ledger';
import { loadCreatorConfig } from './config';
import {
  type CreateDeployImagesResult,
  type CreatorDependencies,
  createDeployImages,
} from './create-deploy-images';

/**
 * EventBridge target for AmiRequested v1 (any source). An invalid event throws
 * `InvalidEventError`, and any other failure is rethrown, so the platform's retries and
 * dead-letter queue see it; every step is idempotent on the request id.
 */
export function createHandler(deps: CreatorDependencies) {
  const { logger, metrics } = deps;
  return async (event: unknown, context?: Context): Promise<CreateDeployImagesResult> => {
    logger.resetKeys();
    if (context) logger.addContext(context);
    try {
      const { detail, source } = parseEvent(AmiRequestedV1, event);
      logger.appendKeys({ requestId: detail.metadata.requestId });
      logger.info('deploy images requested', {
        source,
        instanceNames: detail.data.instanceNames,
        requestedBy: detail.data.requestedBy,
      });
      return await createDeployImages(detail, deps);
    } catch (error) {
      logger.error('deploy image request failed', { error });
      throw error;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

const config = loadCreatorConfig();
const { logger, metrics } = createObservability('creator');

export const handler = createHandler({
  // EC2 throttles per account and Region (CreateImage refills at 5 per second), and other tools
  // share those buckets. Standard mode backs off exponentially with full jitter; 8 attempts wait
  // up to about 25 s in all, enough to ride out a burst. Adaptive mode was not chosen: its
  // client-side rate limiter only sees this process's calls and is still marked experimental.
  ec2: new EC2Client({ retryMode: 'standard', maxAttempts: 8 }),
  sfn: new SFNClient({ retryMode: 'standard', maxAttempts: 5 }),
  eventBridge: new EventBridgeClient({}),
  ledger: new RequestLedger({
    dynamodb: new DynamoDBClient({ retryMode: 'standard', maxAttempts: 5 }),
    tableName: config.ledgerTableName,
    clock: systemClock,
  }),
  clock: systemClock,
  config,
  logger,
  metrics,
});
