import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../shared/clock';
import type { JanitorConfig } from './config';
import type { PurgeRunRequest, RunState } from './purge-run-state';
import { acquireRunLock, releaseRunLock } from './run-lock';

export interface RunStepDeps {
  readonly dynamodb: DynamoDBClient;
  readonly config: Pick<JanitorConfig, 'journalTableName' | 'dryRun'>;
  readonly clock: Clock;
}

/**
 * The run's first step: takes the run lock (one run at a time; the state machine retries while
 * another run holds it) and fixes the run's state from configuration, the execution's own start
 * time, and what the trigger may narrow.
 */
export async function beginPurgeRun(
  runId: string,
  startedAt: string,
  request: PurgeRunRequest,
  deps: RunStepDeps,
): Promise<{ run: RunState }> {
  await acquireRunLock(lockStore(deps), runId);
  return {
    run: {
      runId,
      requestId: request.requestId,
      trigger: request.trigger,
      ...(request.instanceName === undefined ? {} : { instanceName: request.instanceName }),
      dryRun: deps.config.dryRun || request.dryRun === true,
      startedAt: new Date(startedAt).toISOString(),
      batch: 1,
      nextPart: 1,
    },
  };
}

/** The run's last step, also taken when it fails: the next run need not wait for the lease. */
export async function endPurgeRun(runId: string, deps: RunStepDeps): Promise<void> {
  await releaseRunLock(lockStore(deps), runId);
}

function lockStore(deps: RunStepDeps) {
  return { dynamodb: deps.dynamodb, tableName: deps.config.journalTableName, now: deps.clock };
}
