import { randomUUID } from 'node:crypto';
import { SfnApiError } from './sfn-api-error';

const TOKEN_PREFIX = 'local-task-token:';
/** Ended tokens remembered so a late SendTaskSuccess gets TaskTimedOut, as on AWS, not InvalidToken. */
const ENDED_TOKENS_KEPT = 10_000;

interface Waiter {
  readonly resolve: (output: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer?: NodeJS.Timeout;
}

export interface Callback {
  /** The output SendTaskSuccess gave, or the error of SendTaskFailure or the timeout. */
  readonly result: Promise<unknown>;
  /** The call that should have handed the token out failed: forget the token. */
  cancel(): void;
}

/**
 * Task tokens of callback (`.waitForTaskToken`) Tasks. The context object issues a fresh token
 * each time a payload template reads `$$.Task.Token`; the Task then finds its token in its own
 * effective input and waits for SendTaskSuccess/SendTaskFailure with it, or for its timeout
 * (`States.Timeout`, as AWS fails a callback that outlives TimeoutSeconds).
 */
export function createCallbacks() {
  const issued = new Set<string>();
  const waiting = new Map<string, Waiter>();
  const ended = new Set<string>();

  const end = (token: string) => {
    const waiter = waiting.get(token);
    if (waiter?.timer) clearTimeout(waiter.timer);
    waiting.delete(token);
    ended.add(token);
    if (ended.size > ENDED_TOKENS_KEPT) ended.delete(ended.values().next().value as string);
    return waiter;
  };

  const settle = (token: string, settleWith: (waiter: Waiter) => void) => {
    if (!waiting.has(token)) {
      if (ended.has(token)) throw new SfnApiError('TaskTimedOut', 'Task Timed Out');
      throw new SfnApiError('InvalidToken', 'Invalid Token');
    }
    settleWith(end(token) as Waiter);
  };

  return {
    issueToken(): string {
      const token = `${TOKEN_PREFIX}${randomUUID()}`;
      issued.add(token);
      return token;
    },

    await(input: unknown, timeoutMs: number | undefined): Callback {
      const token = findIssuedToken(input, issued);
      if (token === undefined) {
        throw Object.assign(
          new Error('a callback Task must pass $$.Task.Token in its parameters'),
          { name: 'States.Runtime' },
        );
      }
      issued.delete(token);
      const result = new Promise<unknown>((resolve, reject) => {
        const timer =
          timeoutMs === undefined
            ? undefined
            : setTimeout(() => {
                end(token);
                reject(Object.assign(new Error('Task timed out.'), { name: 'States.Timeout' }));
              }, timeoutMs);
        timer?.unref();
        waiting.set(token, { resolve, reject, ...(timer ? { timer } : {}) });
      });
      // The Task awaits the result only once its own call has returned: a timeout firing before
      // then (a short scaled timeout on a busy machine) must reach it, not crash the process.
      result.catch(() => {});
      return { result, cancel: () => void end(token) };
    },

    succeed(token: string, output: unknown): void {
      settle(token, (waiter) => waiter.resolve(output));
    },

    fail(token: string, error: Error): void {
      settle(token, (waiter) => waiter.reject(error));
    },

    /** Stops every timer; the executions waiting are being aborted. */
    close(): void {
      for (const waiter of waiting.values()) if (waiter.timer) clearTimeout(waiter.timer);
      waiting.clear();
    },
  };
}

/** The token a Task's effective input carries: the first issued token found in it. */
function findIssuedToken(value: unknown, issued: ReadonlySet<string>): string | undefined {
  if (typeof value === 'string') return issued.has(value) ? value : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const nested of Object.values(value)) {
    const found = findIssuedToken(nested, issued);
    if (found !== undefined) return found;
  }
  return undefined;
}
