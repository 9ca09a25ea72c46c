import type { DeadLetter, EventEnvelope } from '../events/model';
import type { LocalQueueSpec, QueueMessage } from './queues';

/** The code of a dead letter that arrived in a dead-letter queue through SQS. */
export const QUEUED_DEAD_LETTER = 'DeadLetterQueue';

/**
 * A message in a dead-letter queue as a dead letter of the local cloud: its event (the body,
 * when it is one), and its reason (the `reason` attribute a consumer gave, or the redrive's).
 */
export function queuedDeadLetter(queue: LocalQueueSpec, message: QueueMessage): DeadLetter {
  return {
    target: { id: queue.name, arn: queue.arn, ruleName: '', ruleArn: '', eventBusName: '' },
    event: envelopeOf(message.body),
    error: {
      code: QUEUED_DEAD_LETTER,
      message:
        message.attributes.reason ??
        `moved by the redrive policy after ${message.receiveCount} receives`,
    },
    attempts: message.receiveCount,
    deadLetteredAt: new Date().toISOString(),
  };
}

function envelopeOf(body: string): EventEnvelope {
  try {
    const parsed = JSON.parse(body) as Partial<EventEnvelope>;
    if (typeof parsed['detail-type'] === 'string' && typeof parsed.id === 'string') {
      return parsed as EventEnvelope;
    }
  } catch {
    // Not an event: kept as its text below.
  }
  return {
    version: '0',
    id: 'unknown',
    'detail-type': 'SQS message',
    source: 'local.sqs',
    account: '',
    time: new Date().toISOString(),
    region: '',
    resources: [],
    detail: { body },
  };
}
