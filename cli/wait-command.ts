import { requestIdSchema } from '../events/fields';
import type { ApiClient } from './api-client';
import { openApi, type TargetOptions } from './api-context';
import { ApiUnreachableError } from './api-errors';
import type { CliDeps } from './cli-deps';
import { formatDuration } from './duration';
import { type ExitCode, UsageError } from './exit-codes';
import { createProgressView } from './progress-view';
import { waitForRequest } from './wait-for-request';
import { reportOutcome } from './wait-outcome';

export interface WaitCommandOptions extends TargetOptions {
  readonly timeout: number;
  readonly json?: boolean;
}

export async function runWaitCommand(
  deps: CliDeps,
  requestId: string,
  options: WaitCommandOptions,
): Promise<ExitCode> {
  checkRequestId(requestId);
  const { client } = await openApi(deps, options);
  return runWait(deps, client, { requestId, timeoutMs: options.timeout, json: options.json });
}

export interface RunWaitOptions {
  readonly requestId: string;
  readonly timeoutMs: number;
  readonly json?: boolean;
  readonly notFoundGraceMs?: number;
}

/** Waits with live progress, then reports the outcome; shared by `wait` and `request --wait`. */
export async function runWait(
  deps: CliDeps,
  client: ApiClient,
  options: RunWaitOptions,
): Promise<ExitCode> {
  const human = options.json ? deps.stderr : deps.stdout;
  const outcome = await waitForRequest(
    {
      getRequestStatus: client.getRequestStatus,
      clock: deps.clock,
      sleep: deps.sleep,
      view: createProgressView(human),
    },
    {
      requestId: options.requestId,
      timeoutMs: options.timeoutMs,
      intervalMs: deps.pollIntervalMs,
      notFoundGraceMs: options.notFoundGraceMs,
    },
  );
  if (
    outcome.kind === 'deadline' &&
    outcome.status === undefined &&
    outcome.lastError instanceof ApiUnreachableError
  ) {
    // Nothing ever answered at the URL: a wrong target, not a late AMI (exit 2, not 1).
    throw new ApiUnreachableError(
      `no answer from the API in ${formatDuration(options.timeoutMs)} while waiting for request ${options.requestId}: ${outcome.lastError.message}`,
      { cause: outcome.lastError },
    );
  }
  return reportOutcome(outcome, options.timeoutMs, {
    human,
    json: options.json ? deps.stdout : undefined,
  });
}

export function checkRequestId(requestId: string): void {
  if (!requestIdSchema.safeParse(requestId).success) {
    throw new UsageError(`not a request id: ${requestId} (1-64 of A-Z a-z 0-9 _ -)`);
  }
}
