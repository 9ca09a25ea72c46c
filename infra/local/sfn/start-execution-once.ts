import type { EventEnvelope, RuleTarget } from '../events/model';
import { executionNameOfDelivery } from './execution-name';
import { SfnApiError } from './sfn-api-error';
import type { StepFunctions } from './step-functions';

/**
 * A bus delivery to a state machine: starts the execution named after the delivery. An execution
 * of that name that already ran is the same delivery retried (e.g. resumed after a kill that came
 * before the delivery was settled): it was delivered, and nothing starts again.
 */
export function startExecutionOnce(
  stepFunctions: StepFunctions,
  target: RuleTarget,
  input: unknown,
  event: EventEnvelope,
): void {
  try {
    stepFunctions.startExecution({
      stateMachineArn: target.arn,
      name: executionNameOfDelivery(target, event),
      input: JSON.stringify(input),
    });
  } catch (error) {
    if (error instanceof SfnApiError && error.code === 'ExecutionAlreadyExists') return;
    throw error;
  }
}
