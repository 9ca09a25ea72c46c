import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { InvalidEventError } from '../../events/contract';
import { describeIssues } from '../../events/issues';
import type { Clock } from '../shared/clock';
import { type Logger, METRIC, type Metrics, MetricUnit } from '../shared/observability';
import type { JanitorConfig } from './config';
import type { ReferenceCheck } from './find-image-references';
import { runPurgeBatch } from './purge-batch';
import {
  type BatchResult,
  PURGE_STEP_KEY,
  purgeStepSchema,
  type RunState,
} from './purge-run-state';
import { beginPurgeRun, endPurgeRun } from './purge-run-steps';
import { toPurgeTrigger } from './purge-trigger';
import { type StartedRun, startPurgeRun } from './start-purge-run';
import type { Timer } from './token-bucket';

export interface JanitorDeps {
  readonly ec2: EC2Client;
  readonly ec2Deregister: EC2Client;
  readonly dynamodb: DynamoDBClient;
  readonly eventBridge: EventBridgeClient;
  readonly sfn: SFNClient;
  /** A fresh check per invocation: it remembers, for that invocation, whether EC2 refused it. */
  readonly referenceCheck: () => ReferenceCheck;
  readonly config: JanitorConfig;
  readonly clock: Clock;
  readonly timer: Timer;
  readonly logger: Logger;
  readonly metrics: Pick<Metrics, 'addMetric' | 'publishStoredMetrics'>;
}

export type JanitorResult = StartedRun | { run: RunState } | BatchResult | { ended: string };

export type JanitorHandler = (
  event: unknown,
  context: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>,
) => Promise<JanitorResult>;

/**
 * Two kinds of invocation. EventBridge events (AmiAvailable, the schedule, AmiPurgeRequested) only
 * start a purge run. The run's state machine invokes each step with `{ purgeRun: step }`: begin,
 * one batch at a time, end. Invalid input throws `InvalidEventError`; AWS failures propagate, so
 * the platform's retries, the dead-letter queue and the state machine's Retry see them.
 */
export function createHandler(deps: JanitorDeps): JanitorHandler {
  return async (event, context) => {
    deps.logger.appendKeys({ requestId: context.awsRequestId });
    try {
      if (isRecord(event) && PURGE_STEP_KEY in event) return await runStep(event[PURGE_STEP_KEY]);
      const trigger = toPurgeTrigger(event);
      deps.logger.appendKeys({ runId: trigger.runId, trigger: trigger.trigger });
      return await startPurgeRun(trigger, {
        ...deps,
        stateMachineArn: deps.config.purgeRunStateMachineArn,
      });
    } finally {
      deps.metrics.publishStoredMetrics();
      deps.logger.removeKeys(['requestId', 'runId', 'trigger']);
    }

    async function runStep(input: unknown): Promise<JanitorResult> {
      const parsed = purgeStepSchema.safeParse(input);
      if (!parsed.success) {
        throw new InvalidEventError(
          `invalid purge run step: ${describeIssues(parsed.error)}`,
          undefined,
        );
      }
      const step = parsed.data;
      switch (step.step) {
        case 'begin':
          deps.logger.appendKeys({ runId: step.runId });
          return beginPurgeRun(step.runId, step.startedAt, step.request, deps);
        case 'batch': {
          deps.logger.appendKeys({ runId: step.run.runId, trigger: step.run.trigger });
          const result = await runPurgeBatch(step.run, {
            ...deps,
            references: deps.referenceCheck(),
            remainingTimeMs: () => context.getRemainingTimeInMillis(),
          });
          if (!step.run.dryRun) {
            deps.metrics.addMetric(METRIC.purged, MetricUnit.Count, result.purged);
          }
          return result;
        }
        case 'end':
          await endPurgeRun(step.runId, deps);
          return { ended: step.runId };
      }
    }
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
