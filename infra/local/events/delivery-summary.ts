import { SENT_BY_RULE } from './dead-letter';
import type { DeliveryRetry } from './delivery';
import type { DeadLetter, RuleTarget } from './model';

/** A one-line summary of a dead letter, for the timeline. */
export function describeDeadLetter(deadLetter: DeadLetter): string {
  const { event, target, error, attempts } = deadLetter;
  const via =
    error.code === SENT_BY_RULE
      ? `rule ${target.ruleName}`
      : `${targetName(target)} after ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}`;
  return `${event['detail-type']} from ${event.source} (${event.id}) dead-lettered by ${via}: ${error.message}`;
}

/** A one-line summary of a failed delivery that will be retried, for the timeline. */
export function describeDeliveryRetry({ target, event, error }: DeliveryRetry): string {
  const reason = /^HTTP_(\d+)$/.exec(error.code);
  return `delivery of ${event['detail-type']} to ${targetName(target)} failed (${
    reason ? `HTTP ${reason[1]}` : error.message
  }), retrying`;
}

/** The name in a target's ARN: an API destination's, a function's, a queue's or a state machine's. */
function targetName(target: RuleTarget): string {
  const destination = /:api-destination\/([^/]+)\//.exec(target.arn);
  if (destination?.[1]) return destination[1];
  return target.arn.slice(target.arn.lastIndexOf(':') + 1) || target.arn;
}
