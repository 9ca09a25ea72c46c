import { TargetInvocationError } from '../events/model';
import { FunctionInvocationError, type LocalFunction } from '../functions/local-function';
import type { LocalFunctionSpec } from '../template/local-template';
import type { Timeline } from '../timeline';

/**
 * An event target's invocation. Lambda retries a failed asynchronous invocation itself
 * (EventInvokeConfig), then hands it to its on-failure destination; locally that last step is a
 * dead letter carrying the error.
 */
export async function invokeAsynchronously(
  spec: LocalFunctionSpec,
  fn: LocalFunction,
  input: unknown,
  { timeline, retryDelayMs }: { timeline: Timeline; retryDelayMs: number },
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fn.invoke(input);
      return;
    } catch (error) {
      const message = (error as Error).message;
      const last = attempt >= spec.asyncRetryAttempts;
      timeline({
        kind: 'function',
        text: `${spec.service} failed${last ? '' : `, retrying (${attempt + 1}/${spec.asyncRetryAttempts})`}: ${message}`,
      });
      if (last) throw new TargetInvocationError('FunctionError', message, false);
      await new Promise((done) => setTimeout(done, retryDelayMs * (attempt + 1)));
    }
  }
}

/**
 * A Lambda Task with a function ARN as its resource: the function's answer is the result, and its
 * error type the error the state machine's Retry and Catch see, as on AWS.
 */
export async function invokeFromStateMachine(fn: LocalFunction | undefined, input: unknown) {
  if (!fn)
    throw Object.assign(new Error('function not started'), {
      name: 'Lambda.ResourceNotFoundException',
    });
  try {
    return await fn.invoke(input);
  } catch (error) {
    if (!(error instanceof FunctionInvocationError)) throw error;
    throw Object.assign(new Error(error.message), { name: error.errorType });
  }
}
