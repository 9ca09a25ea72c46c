import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { type LocalQueues, md5Hex, type QueueMessage } from './queues';

/** An `AWS::Lambda::EventSourceMapping` from a queue of the template to a function. */
export interface LocalEventSourceMappingSpec {
  readonly queueArn: string;
  readonly functionName: string;
  readonly batchSize: number;
  /** `FunctionResponseTypes: [ReportBatchItemFailures]`: the function names the failed messages. */
  readonly reportBatchItemFailures: boolean;
}

export interface EventSourceMappingOptions extends LocalEventSourceMappingSpec {
  readonly queues: LocalQueues;
  readonly region: string;
  readonly invoke: (event: SQSEvent) => Promise<unknown>;
  /** Told of each message the function handed back, and of a batch whose invocation failed. */
  readonly onRetry?: (message: QueueMessage, why: string) => void;
  /** Batches in flight at once. Default 5. */
  readonly maxConcurrency?: number;
  /** Pause between polls of an empty queue. Default 50 ms. */
  readonly pollMs?: number;
}

export interface EventSourceMapping {
  /** Resolves once no batch is in flight and no message is visible (backed-off ones may wait). */
  whenIdle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Polls a local queue and invokes the function with batches of messages, as Lambda's event
 * source mapping does: a message the function did not name as a batch item failure is deleted;
 * after a failed invocation, the whole batch comes back once its visibility timeout ends.
 */
export function startEventSourceMapping(options: EventSourceMappingOptions): EventSourceMapping {
  const { queues, queueArn } = options;
  const maxConcurrency = options.maxConcurrency ?? 5;
  const inFlight = new Set<Promise<void>>();
  let stopped = false;

  const poll = () => {
    if (stopped) return;
    while (inFlight.size < maxConcurrency) {
      const batch = queues.receive(queueArn, options.batchSize, true);
      if (batch.length === 0) break;
      const running = invokeWithBatch(options, batch).finally(() => inFlight.delete(running));
      inFlight.add(running);
    }
    timer = setTimeout(poll, options.pollMs ?? 50);
    timer.unref();
  };
  let timer = setTimeout(poll, 0);

  return {
    async whenIdle() {
      while (inFlight.size > 0 || (!stopped && queues.hasVisible(queueArn))) {
        await Promise.race([...inFlight, new Promise((resolve) => setTimeout(resolve, 20))]);
      }
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await Promise.allSettled([...inFlight]);
    },
  };
}

/**
 * Invokes the function with one received batch and deletes the messages it processed. The batch
 * is no longer held once the invocation ends, whatever its outcome: a message not deleted is
 * received again when its visibility timeout ends.
 */
async function invokeWithBatch(
  options: EventSourceMappingOptions,
  batch: QueueMessage[],
): Promise<void> {
  const { queues, queueArn } = options;
  const handles = batch.map((message) => message.receiptHandle ?? '');
  let failed: Set<string>;
  try {
    const result = await options.invoke({
      Records: batch.map((message) => sqsRecordOf(message, options)),
    });
    failed = new Set(options.reportBatchItemFailures ? batchItemFailures(result) : []);
    for (const message of batch) {
      if (failed.has(message.messageId)) {
        options.onRetry?.(message, 'handed back by the function');
      } else if (message.receiptHandle) {
        queues.delete(queueArn, message.receiptHandle);
      }
    }
  } catch (error) {
    for (const message of batch) {
      options.onRetry?.(message, `the invocation failed: ${(error as Error).message}`);
    }
  } finally {
    queues.release(queueArn, handles);
  }
}

/** A message as the function's SQS event carries it. */
function sqsRecordOf(
  message: QueueMessage,
  { queues, queueArn, region }: EventSourceMappingOptions,
): SQSRecord {
  // Ages as the queue's clock counts them, so a handler's retry window shrinks with the scale.
  const now = Date.now();
  const stretch = (at: number) => String(Math.round(now - (now - at) / queues.timeScale));
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle ?? '',
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: stretch(message.sentAt),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: stretch(message.firstReceivedAt ?? now),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.attributes).map(([name, value]) => [
        name,
        { stringValue: value, dataType: 'String', stringListValues: [], binaryListValues: [] },
      ]),
    ),
    md5OfBody: md5Hex(message.body),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

function batchItemFailures(result: unknown): string[] {
  const failures = (result as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (!Array.isArray(failures)) return [];
  return failures.flatMap((failure) =>
    typeof failure?.itemIdentifier === 'string' ? [failure.itemIdentifier] : [],
  );
}
