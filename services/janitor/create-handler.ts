import type { Context } from 'aws-lambda';
import { METRIC, type Metrics, MetricUnit } from '../shared/observability';
import { toPurgeRequest } from './purge-request';
import { type PurgeDeps, type PurgeRunResult, runPurge } from './purge-run';

/** What a purge needs, less what each invocation supplies, plus the metrics it publishes. */
export interface JanitorDeps extends Omit<PurgeDeps, 'remainingTimeMs' | 'publishOptions'> {
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
