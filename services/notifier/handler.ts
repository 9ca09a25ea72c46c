import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { checkAvailableImageClaim } from '../shared/available-image-claim';
import { systemClock } from '../shared/clock';
import { createObservability } from '../shared/observability';
import { parseNotificationQueueConfig, parseNotifierConfig } from './config';
import { dynamoDbDeliveryLedger } from './delivery-ledger';
import { processNotificationBatch } from './notification-queue';
import { postWebhook } from './post-webhook';
import { sqsNotificationQueue } from './sqs-notification-queue';
import { cachedSecretReader, loadWebhookTargets } from './target-source';

const config = parseNotifierConfig();
const queueConfig = parseNotificationQueueConfig();
const { logger, metrics } = createObservability('notifier');
const readSecret = cachedSecretReader(new SecretsManagerClient({}));
const ec2 = new EC2Client({ maxAttempts: 10 });
const queue = sqsNotificationQueue(new SQSClient({}), queueConfig);
const ledger = dynamoDbDeliveryLedger({
  dynamodb: new DynamoDBClient({}),
  tableName: queueConfig.deliveryTableName,
  now: systemClock,
});

/**
 * Consumes the notification queue (AmiAvailable, AmiFailed and AmiPurged v1, as EventBridge put
 * them there). Reports the messages to hand over again as batch item failures.
 */
export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  logger.resetKeys();
  logger.addContext(context);
  try {
    return await processNotificationBatch(event.Records, {
      policy: config.delivery,
      loadTargets: () => loadWebhookTargets(config.targets, readSecret),
      checkAvailableImage: (claim) => checkAvailableImageClaim(ec2, claim),
      post: postWebhook,
      sleep: (ms) => sleep(ms),
      clock: systemClock,
      random: Math.random,
      logger,
      metrics,
      queue,
      ledger,
      retryWindowMs: queueConfig.retryWindowMs,
    });
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
