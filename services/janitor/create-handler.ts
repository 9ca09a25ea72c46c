import type { EC2Client } from '@aws-sdk/client-ec2';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import type { Clock } from '../shared/clock';
import { type Logger, METRIC, type Metrics, MetricUnit } from '../shared/observability';
import type { JanitorConfig } from './config';
import { toPurgeRequest } from './purge-request';
import { type PurgeRunResult, runPurge } from './purge-run';
import type { Timer } from './token-bucket';

export interface JanitorDeps {
  readonly ec2: EC2Client;
  readonly eventBridge: EventBridgeClient;
  readonly config: JanitorConfig;
  readonly clock: Clock;
  readonly timer: Timer;
  readonly logger: Logger;
  readonly metrics: Pick<Metrics, 'addMetric' | 'publishStoredMetrics'>;
}

export type JanitorHandler = (
  event: unknown,
  context: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>,
) => Promise<PurgeRunResult>;

/**
 * EventBridge → one purge part. Invalid events throw `InvalidEventError` and AWS failures
 * propagate, so the platform's retries and the dead-letter queue see them.
 */
export function createHandler(deps: JanitorDeps): JanitorHandler {
  return async (event, context) => {
    deps.logger.appendKeys({ requestId: context.awsRequestId });
    try {
      const request = toPurgeRequest(event);
      deps.logger.appendKeys({ runId: request.runId, trigger: request.trigger });
      const result = await runPurge(request, {
        ...deps,
        remainingTimeMs: () => context.getRemainingTimeInMillis(),
      });
      if (!result.dryRun) deps.metrics.addMetric(METRIC.purged, MetricUnit.Count, result.purged);
      return result;
    } finally {
      deps.metrics.publishStoredMetrics();
      deps.logger.removeKeys(['requestId', 'runId', 'trigger']);
    }
  };
}
