import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { PURGE_STEP_KEY } from '../../services/janitor/purge-run-state';

/** State names are part of the interface: operators read them in execution histories. */
export const PURGE_RUN_STATES = {
  begin: 'BeginRun',
  batch: 'PurgeBatch',
  more: 'MoreToPurge',
  end: 'EndRun',
  endAfterFailure: 'EndRunAfterFailure',
  done: 'RunDone',
  failed: 'RunFailed',
} as const;

/** Errors a retry cannot mend: the run stops (and releases its lock) at once. */
const FINAL_ERRORS = ['PurgeRunLockLostError', 'InvalidEventError'];

/**
 * One purge run as a Standard execution named after the run id. Its state (clock, cursor, batch,
 * next report part) lives in the execution, never in an event. BeginRun takes the run lock,
 * waiting while another run holds it; PurgeBatch decides one bounded batch per invocation until
 * the run is done; EndRun releases the lock, on failure too.
 */
export function buildPurgeRunDefinition(
  scope: Construct,
  { janitor }: { janitor: lambda.IFunction },
): sfn.IChainable {
  const invoke = (
    id: string,
    step: Record<string, unknown>,
    props: Partial<tasks.LambdaInvokeProps> = {},
  ) =>
    new tasks.LambdaInvoke(scope, id, {
      lambdaFunction: janitor,
      payloadResponseOnly: true,
      // Retries are declared below, per state.
      retryOnServiceExceptions: false,
      payload: sfn.TaskInput.fromObject({ [PURGE_STEP_KEY]: step }),
      ...props,
    });
  const runId = sfn.JsonPath.stringAt('$$.Execution.Name');

  const begin = invoke(
    PURGE_RUN_STATES.begin,
    {
      step: 'begin',
      runId,
      startedAt: sfn.JsonPath.stringAt('$$.Execution.StartTime'),
      request: sfn.JsonPath.objectAt('$'),
    },
    { resultSelector: { 'run.$': '$.run' } },
  );
  // Another run holds the lock: wait for it (runs queue, none is lost) for up to 12 hours.
  begin.addRetry({
    errors: ['PurgeRunBusyError'],
    interval: Duration.minutes(1),
    maxAttempts: 720,
    backoffRate: 1,
  });
  begin.addRetry({ errors: FINAL_ERRORS, maxAttempts: 0 });
  begin.addRetry(transientRetry());

  const batch = invoke(
    PURGE_RUN_STATES.batch,
    { step: 'batch', run: sfn.JsonPath.objectAt('$.run') },
    { resultSelector: { 'run.$': '$.run', 'done.$': '$.done' } },
  );
  batch.addRetry({ errors: FINAL_ERRORS, maxAttempts: 0 });
  // Throttling that outlasts the clients' own retries, a timeout, a crash: the batch runs again
  // from the same cursor, and the journal keeps it from deleting more than the cap.
  batch.addRetry(transientRetry());

  const end = invoke(
    PURGE_RUN_STATES.end,
    { step: 'end', runId },
    { resultPath: sfn.JsonPath.DISCARD },
  );
  end.addRetry(transientRetry());
  const endAfterFailure = invoke(
    PURGE_RUN_STATES.endAfterFailure,
    { step: 'end', runId },
    { resultPath: sfn.JsonPath.DISCARD },
  );
  endAfterFailure.addRetry(transientRetry());
  const failed = new sfn.Fail(scope, PURGE_RUN_STATES.failed, {
    error: 'PurgeRunFailed',
    cause: 'A step failed after its retries; the execution history has its error.',
  });
  endAfterFailure.addCatch(failed, { resultPath: sfn.JsonPath.DISCARD });
  endAfterFailure.next(failed);
  begin.addCatch(endAfterFailure, { resultPath: '$.error' });
  batch.addCatch(endAfterFailure, { resultPath: '$.error' });

  const more = new sfn.Choice(scope, PURGE_RUN_STATES.more)
    .when(
      sfn.Condition.booleanEquals('$.done', true),
      end.next(new sfn.Succeed(scope, PURGE_RUN_STATES.done)),
    )
    .otherwise(batch);
  return begin.next(batch).next(more);
}

function transientRetry(): sfn.RetryProps {
  return {
    errors: [sfn.Errors.ALL],
    interval: Duration.seconds(15),
    maxAttempts: 8,
    backoffRate: 2,
    maxDelay: Duration.minutes(5),
    jitterStrategy: sfn.JitterType.FULL,
  };
}
