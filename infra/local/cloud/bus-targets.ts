import { describeEvent } from '../event-summary';
import { TargetInvocationError, type TargetInvoker } from '../events/model';
import { startExecutionOnce } from '../sfn/start-execution-once';
import type { StepFunctions } from '../sfn/step-functions';
import type { LocalQueues } from '../sqs/queues';
import type { Timeline } from '../timeline';
import { invokeAsynchronously } from './function-invocation';
import type { LocalFunctions } from './functions';
import { TIMELINE_ARN } from './timeline';

export interface BusTargets {
  readonly timeline: Timeline;
  readonly functions: LocalFunctions;
  /** Pause between Lambda's own retries of a failed asynchronous invocation. */
  readonly asyncRetryDelayMs: number;
  // Created after the bus, which is given to them.
  readonly stepFunctions: () => StepFunctions;
  readonly queues: () => LocalQueues;
}

/**
 * Delivers the bus's events to their rule targets: the timeline, a state machine (an execution
 * starts with the event as input), a queue, or a function invoked asynchronously.
 */
export function busTargetInvoker(targets: BusTargets): TargetInvoker {
  return async (target, input, event) => {
    if (target.arn === TIMELINE_ARN) {
      targets.timeline({ kind: 'event', text: describeEvent(event) });
      return;
    }
    const stepFunctions = targets.stepFunctions();
    if (stepFunctions.listStateMachines().some((machine) => machine.arn === target.arn)) {
      startExecutionOnce(stepFunctions, target, input, event);
      return;
    }
    const queues = targets.queues();
    if (queues.has(target.arn)) {
      queues.send(target.arn, JSON.stringify(input));
      return;
    }
    const found = targets.functions.get(target.arn);
    if (!found?.instance) {
      throw new TargetInvocationError(
        'ResourceNotFoundException',
        `no local function ${target.arn}`,
        false,
      );
    }
    await invokeAsynchronously(found.spec, found.instance, input, {
      timeline: targets.timeline,
      retryDelayMs: targets.asyncRetryDelayMs,
    });
  };
}
