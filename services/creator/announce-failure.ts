import {
  DescribeExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { AmiFailedV1Detail } from '../../events/ami-failed.v1';
import { type AnnouncerInput, announcerInputSchema } from '../../events/announcer-input';
import { executionArnOf, requestScopedName } from './execution-names';

/** Executions a failure may be handed to: the first, and new ones after executions that failed. */
const MAX_HANDOVERS = 5;

/** Execution statuses after which the failure may still be unpublished. */
const ENDED_UNANNOUNCED = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

export class AnnounceFailureError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AnnounceFailureError';
  }
}

/**
 * Hands one failed name's AmiFailed to the announcer state machine, which publishes it once.
 *
 * The execution is named after the request and the instance name, so every delivery of the
 * request hands the same failure to the same execution: Step Functions answers a repeated start
 * with the execution it has (`ExecutionAlreadyExists` when the input differs, as a redelivery's
 * later `failedAt` does). Only an execution that ended without succeeding (FAILED, TIMED_OUT,
 * ABORTED) makes way for the next name, `<name>-2` and so on. A failed one never got its event
 * out (a publish that worked leads to success). One that timed out (an hour, against minutes of
 * retries) or was stopped by hand after its publish is the one case of a name announced twice.
 */
export async function announceFailure(
  sfn: SFNClient,
  announcerArn: string,
  detail: AmiFailedV1Detail,
): Promise<{ executionArn: string; started: boolean }> {
  const input: AnnouncerInput = announcerInputSchema.parse({ detail });
  const base = announcementName(detail.data.requestId, detail.data.instanceName);
  for (let handover = 1; handover <= MAX_HANDOVERS; handover += 1) {
    const name = handover === 1 ? base : `${base}-${handover}`;
    const executionArn = executionArnOf(announcerArn, name);
    try {
      await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: announcerArn,
          name,
          input: JSON.stringify(input),
        }),
      );
      return { executionArn, started: true };
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'ExecutionAlreadyExists') throw error;
    }
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (!ENDED_UNANNOUNCED.has(status ?? '')) return { executionArn, started: false };
  }
  throw new AnnounceFailureError(
    `${MAX_HANDOVERS} announcer executions for ${detail.data.instanceName} of request ${detail.data.requestId} ended without publishing`,
  );
}

/** The first execution a name's failure is handed to. */
export function announcementName(requestId: string, instanceName: string): string {
  return requestScopedName(requestId, instanceName);
}
