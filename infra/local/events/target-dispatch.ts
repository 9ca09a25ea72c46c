import type { ApiDestinations } from './api-destinations';
import type { BusRecords } from './bus-records';
import { sentToDeadLetterQueue } from './dead-letter';
import { DeliveryQueue, type DeliveryRetry, type RetryTiming } from './delivery';
import type { AcceptedEvent, DeliveryJournal } from './delivery-journal';
import { invokeApiDestination } from './http-target';
import {
  type EventEnvelope,
  type RuleTarget,
  TargetInvocationError,
  type TargetInvoker,
} from './model';

export interface TargetDispatchOptions {
  readonly destinations: ApiDestinations;
  readonly records: BusRecords;
  readonly journal: DeliveryJournal | undefined;
  readonly now: () => Date;
  readonly invokeTarget?: TargetInvoker;
  readonly httpTimeoutMs?: number;
  readonly deadLetterQueueArns?: readonly string[];
  readonly retry?: RetryTiming;
  readonly onDeliveryRetry?: (retry: DeliveryRetry) => void;
}

/**
 * Hands each routed delivery to its target: a dead-letter queue target keeps it as a dead letter
 * at once, any other target gets it through the retrying delivery queue, settled in the journal
 * once it ends.
 */
export class TargetDispatch {
  readonly deliveries: DeliveryQueue;
  private readonly deadLetterQueues: Set<string>;

  constructor(private readonly options: TargetDispatchOptions) {
    const { journal, records } = options;
    this.deadLetterQueues = new Set(options.deadLetterQueueArns ?? []);
    this.deliveries = new DeliveryQueue({
      ...options.retry,
      now: options.now,
      invoke: (target, input, event) => this.invoke(target, input, event),
      onDeadLetter: (deadLetter) => records.keepDeadLetter(deadLetter),
      ...(options.onDeliveryRetry ? { onRetry: options.onDeliveryRetry } : {}),
      ...(journal
        ? { onSettled: (id: string) => journal.settle(id), keepPendingAtClose: true }
        : {}),
    });
  }

  dispatch({ event, deliveries: routed }: AcceptedEvent): void {
    for (const { id, target, input } of routed) {
      if (this.deadLetterQueues.has(target.arn)) {
        this.options.records.keepDeadLetter(
          sentToDeadLetterQueue(target, input, event, this.options.now()),
        );
        this.options.journal?.settle(id);
      } else {
        this.deliveries.enqueue(target, input, event, id);
      }
    }
  }

  private async invoke(target: RuleTarget, input: unknown, event: EventEnvelope): Promise<void> {
    const destination = this.options.destinations.get(target.arn);
    if (destination) {
      return invokeApiDestination(destination, input, event, this.options.httpTimeoutMs);
    }
    if (!this.options.invokeTarget) {
      throw new TargetInvocationError(
        'NoInvoker',
        `no invoker is configured for target ${target.arn}`,
        false,
      );
    }
    return this.options.invokeTarget(target, input, event);
  }
}
