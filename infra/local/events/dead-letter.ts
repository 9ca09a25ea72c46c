import type { DeadLetter, EventEnvelope, RuleTarget } from './model';

/** The code of a dead letter that a rule sent to a dead-letter queue itself. */
export const SENT_BY_RULE = 'SentToDeadLetterQueue';

/**
 * A dead letter for an event a rule sent straight to a dead-letter queue (no delivery failed):
 * its message is the `reason` of the target's input when there is one, the input as JSON if not.
 */
export function sentToDeadLetterQueue(
  target: RuleTarget,
  input: unknown,
  event: EventEnvelope,
  now: Date,
): DeadLetter {
  const reason =
    typeof input === 'object' && input !== null && 'reason' in input
      ? String((input as { reason: unknown }).reason)
      : typeof input === 'string'
        ? input
        : JSON.stringify(input);
  return {
    target,
    event,
    error: { code: SENT_BY_RULE, message: reason },
    attempts: 0,
    deadLetteredAt: now.toISOString(),
    input,
  };
}
