import type { RequestStatus } from '../services/api/request-status';
import type { Clock } from '../services/shared/clock';
import { ApiRefusedError, ApiUnavailableError } from './api-errors';
import type { ProgressView } from './progress-view';

export interface WaitDeps {
  readonly getRequestStatus: (requestId: string) => Promise<RequestStatus>;
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  readonly view: ProgressView;
}

export interface WaitOptions {
  readonly requestId: string;
  /** Wall-clock time from the start of the wait, not a number of polls. */
  readonly timeoutMs: number;
  readonly intervalMs: number;
  /**
   * How long a 404 is taken for "not recorded yet" rather than "unknown": set only right after
   * this CLI's own request was accepted.
   */
  readonly notFoundGraceMs?: number;
}

export type WaitOutcome =
  | { readonly kind: 'available'; readonly status: RequestStatus }
  | { readonly kind: 'failed'; readonly status: RequestStatus }
  | {
      readonly kind: 'deadline';
      readonly status: RequestStatus | undefined;
      /** The last transient error, when the API was not answering at the end. */
      readonly lastError: Error | undefined;
    };

/**
 * Polls the request's status until every name has ended or the deadline passes. 5xx, 429 and
 * network errors are retried until the deadline; a refusal (401, 403, 400, 404) is thrown.
 */
export async function waitForRequest(deps: WaitDeps, options: WaitOptions): Promise<WaitOutcome> {
  const startedAt = deps.clock().getTime();
  const deadline = startedAt + options.timeoutMs;
  let status: RequestStatus | undefined;
  let lastError: Error | undefined;
  for (;;) {
    try {
      status = await deps.getRequestStatus(options.requestId);
      lastError = undefined;
    } catch (error) {
      if (!isRetryable(error, deps.clock().getTime() - startedAt, options)) throw error;
      lastError = error as Error;
    }
    const now = deps.clock();
    if (status !== undefined && lastError === undefined) {
      deps.view.show(status, now);
      if (status.state === 'available') return { kind: 'available', status };
      if (status.state === 'failed') return { kind: 'failed', status };
    }
    const remaining = deadline - now.getTime();
    if (remaining <= 0) return { kind: 'deadline', status, lastError };
    await deps.sleep(Math.min(options.intervalMs, remaining));
  }
}

function isRetryable(error: unknown, elapsedMs: number, options: WaitOptions): boolean {
  if (error instanceof ApiUnavailableError) return true;
  return (
    error instanceof ApiRefusedError &&
    error.status === 404 &&
    elapsedMs < (options.notFoundGraceMs ?? 0)
  );
}
