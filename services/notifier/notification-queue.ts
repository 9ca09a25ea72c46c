import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { InvalidEventError } from '../../events/contract';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/observability';
import { type DeliveryReport, describeUndelivered } from './deliver-notification';
import type { DeliveryLedger } from './delivery-ledger';
import { type NotifierDeps, notify } from './notify';
import { redeliveryDelaySeconds } from './retry-delay';

/** The two things the notifier asks of its queues besides receiving. */
export interface NotificationQueue {
  /** Hides a received message for this long (ChangeMessageVisibility); it comes back after. */
  retryLater(receiptHandle: string, delaySeconds: number): Promise<void>;
  /** Sends the notification, unchanged, to the dead-letter queue with the reason. */
  deadLetter(body: string, reason: string): Promise<void>;
}

export interface QueueDeps extends NotifierDeps {
  readonly queue: NotificationQueue;
  readonly ledger: DeliveryLedger;
  /** Time from a notification's first receipt within which a failing delivery is retried. */
  readonly retryWindowMs: number;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: Logger;
}

/**
 * Handles a batch of the notification queue. A notification is finished (deleted) once every
 * subscribed target has it, or it was dead-lettered: an invalid event at once; a notification some
 * target refused (4xx) once the others are settled; a notification still failing after the retry
 * window. Until then it is reported as a batch item failure after its visibility was set to the
 * next backoff step, so SQS hands it over again later, without a retry hot loop.
 */
export async function processNotificationBatch(
  records: readonly SQSRecord[],
  deps: QueueDeps,
): Promise<SQSBatchResponse> {
  const outcomes = await Promise.all(
    records.map(async (record) => ({
      record,
      finished: await processRecord(record, { ...deps, logger: deps.logger.createChild() }),
    })),
  );
  return {
    batchItemFailures: outcomes
      .filter(({ finished }) => !finished)
      .map(({ record }) => ({ itemIdentifier: record.messageId })),
  };
}

/** True when the message may be deleted, false when it should come back. */
async function processRecord(record: SQSRecord, deps: QueueDeps): Promise<boolean> {
  const { logger } = deps;
  logger.appendKeys({ messageId: record.messageId });
  let event: unknown;
  try {
    event = JSON.parse(record.body);
  } catch {
    await deadLetter(record, 'the message body is not JSON', undefined, deps);
    return true;
  }

  let report: DeliveryReport;
  try {
    report = await notify(event, deps);
  } catch (error) {
    if (error instanceof InvalidEventError) {
      await deadLetter(record, `invalid event: ${error.message}`, undefined, deps);
      return true;
    }
    // An unreadable target list, EC2 unreachable: retried like a failing target.
    logger.error('notification failed; retried later', { error });
    return retryOrGiveUp(record, `${(error as Error)?.name}: ${(error as Error)?.message}`, deps);
  }

  if (report.failures.length > 0) {
    return retryOrGiveUp(record, describeUndelivered(report), deps, report);
  }
  if (report.rejections.length > 0) {
    await deadLetter(record, describeUndelivered(report), report, deps);
  }
  return true;
}

async function retryOrGiveUp(
  record: SQSRecord,
  reason: string,
  deps: QueueDeps,
  report?: DeliveryReport,
): Promise<boolean> {
  const firstReceivedAt = Number(record.attributes.ApproximateFirstReceiveTimestamp);
  const age = deps.clock().getTime() - firstReceivedAt;
  if (Number.isFinite(age) && age >= deps.retryWindowMs) {
    const hours = Math.round((age / 3_600_000) * 10) / 10;
    await deadLetter(record, `still undelivered after ${hours} h: ${reason}`, report, deps);
    return true;
  }
  const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
  const delaySeconds = redeliveryDelaySeconds(receiveCount, deps.random);
  deps.logger.warn('notification not delivered yet; retried later', {
    receiveCount,
    delaySeconds,
    reason,
  });
  await deps.queue.retryLater(record.receiptHandle, delaySeconds);
  return false;
}

/**
 * Dead-letters the notification itself (rather than leaving it to SQS's redrive), so the reason
 * travels with it. Rejections are forgotten first: a redrive after the URL is fixed posts to those
 * targets again, and only to targets that never got the notification.
 */
async function deadLetter(
  record: SQSRecord,
  reason: string,
  report: DeliveryReport | undefined,
  deps: QueueDeps,
): Promise<void> {
  const rejected = report?.rejections.map((rejection) => rejection.key) ?? [];
  const eventId = report === undefined ? undefined : eventIdOf(record.body);
  if (eventId !== undefined && rejected.length > 0) {
    await deps.ledger.forgetRejections(eventId, rejected);
  }
  deps.logger.error('notification dead-lettered', { reason });
  await deps.queue.deadLetter(record.body, reason);
}

function eventIdOf(body: string): string | undefined {
  const parsed = JSON.parse(body) as { id?: unknown };
  return typeof parsed.id === 'string' ? parsed.id : undefined;
}
