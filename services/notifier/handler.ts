import { setTimeout as sleep } from 'node:timers/promises';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { checkAvailableImageClaim } from '../shared/available-image-claim';
import { systemClock } from '../shared/clock';
import { createObservability } from '../shared/observability';
import { parseNotifierConfig } from './config';
import { notify } from './notify';
import { postWebhook } from './post-webhook';
import { cachedSecretReader, loadWebhookTargets } from './target-source';

const config = parseNotifierConfig();
const { logger, metrics } = createObservability('notifier');
const readSecret = cachedSecretReader(new SecretsManagerClient({}));
const ec2 = new EC2Client({ maxAttempts: 10 });

/** EventBridge target for AmiAvailable, AmiFailed and AmiPurged (v1). */
export async function handler(event: unknown, context: Context): Promise<void> {
  logger.resetKeys();
  logger.addContext(context);
  try {
    await notify(event, {
      policy: config.delivery,
      loadTargets: () => loadWebhookTargets(config.targets, readSecret),
      checkAvailableImage: (claim) => checkAvailableImageClaim(ec2, claim),
      post: postWebhook,
      sleep: (ms) => sleep(ms),
      clock: systemClock,
      random: Math.random,
      logger,
      metrics,
    });
  } catch (error) {
    // Logged for the request's trail, then rethrown for the platform's retries and dead letters.
    logger.error('notification failed', { error });
    throw error;
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
