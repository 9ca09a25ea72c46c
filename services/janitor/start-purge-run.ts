import type { EC2Client } from '@aws-sdk/client-ec2';
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { checkAvailableImageClaim } from '../shared/available-image-claim';
import type { Logger } from '../shared/observability';
import type { PurgeRunRequest } from './purge-run-state';
import type { PurgeTrigger } from './purge-trigger';

export interface StartPurgeRunDeps {
  readonly ec2: EC2Client;
  readonly sfn: SFNClient;
  readonly stateMachineArn: string;
  readonly logger: Pick<Logger, 'info'>;
}

export interface StartedRun {
  readonly runId: string;
  /** False when a run of that id exists already (a redelivered trigger). */
  readonly started: boolean;
}

/**
 * A trigger only starts a run: the execution is named after the run id, so the same trigger
 * delivered twice starts one run, and its input carries nothing but the scope and a dry run.
 * An `AmiAvailable` is checked in EC2 first: a forged one starts nothing.
 */
export async function startPurgeRun(
  trigger: PurgeTrigger,
  deps: StartPurgeRunDeps,
): Promise<StartedRun> {
  if (trigger.claimedImage !== undefined) {
    await checkAvailableImageClaim(deps.ec2, trigger.claimedImage);
  }
  const input: PurgeRunRequest = {
    trigger: trigger.trigger,
    requestId: trigger.requestId,
    ...(trigger.instanceName === undefined ? {} : { instanceName: trigger.instanceName }),
    ...(trigger.dryRun === undefined ? {} : { dryRun: trigger.dryRun }),
  };
  try {
    await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: deps.stateMachineArn,
        name: trigger.runId,
        input: JSON.stringify(input),
      }),
    );
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ExecutionAlreadyExists')) throw error;
    deps.logger.info('purge run exists already', { runId: trigger.runId });
    return { runId: trigger.runId, started: false };
  }
  deps.logger.info('purge run started', { runId: trigger.runId, ...input });
  return { runId: trigger.runId, started: true };
}
