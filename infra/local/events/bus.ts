import { randomUUID } from 'node:crypto';
import { ApiDestinations } from './api-destinations';
import { openBusRecords } from './bus-records';
import type { DeliveryRetry, RetryTiming } from './delivery';
import { type AcceptedEvent, DeliveryJournal } from './delivery-journal';
import { EventBuses } from './event-buses';
import type { ApiDestination } from './http-target';
import { type InjectedEntryFailure, InjectedFailures } from './injected-failures';
import type {
  DeadLetter,
  EventEnvelope,
  RetryPolicy,
  RuleSpec,
  TargetInvoker,
  TargetSpec,
} from './model';
import {
  acceptEntry,
  checkPutEventsCall,
  idempotentEventId,
  type PutEventsEntry,
  type PutEventsResult,
  type PutEventsResultEntry,
} from './put-events-entry';
import { RuleRegistry, type RuleView } from './rule-registry';
import { TargetDispatch } from './target-dispatch';

export type { InjectedEntryFailure } from './injected-failures';
export {
  MAX_ENTRIES_PER_CALL,
  MAX_PUT_EVENTS_BYTES,
  type PutEventsEntry,
  type PutEventsResult,
  type PutEventsResultEntry,
} from './put-events-entry';
export type { RuleView } from './rule-registry';

export interface EventBusOptions {
  readonly region?: string;
  readonly account?: string;
  /** Custom buses besides `default`. */
  readonly busNames?: readonly string[];
  /** Invokes every target that is not an API destination (e.g. a function ARN → its handler). */
  readonly invokeTarget?: TargetInvoker;
  /** JSON Lines file receiving every accepted event's envelope. */
  readonly eventLogPath?: string;
  /** JSON Lines file receiving every dead letter. */
  readonly deadLetterPath?: string;
  /**
   * Write-ahead journal of accepted events and their pending deliveries (see
   * `delivery-journal.ts`). With it the bus is durable: what PutEvents accepted is on disk before
   * it answers, `resumeDeliveries` picks up what a stop or a kill left, the event log and dead
   * letters are read back, and `close` leaves deliveries pending instead of dead-lettering them.
   */
  readonly journalPath?: string;
  /**
   * SQS queues that keep dead letters. SQS is not emulated: a rule target that is one of them
   * makes a dead letter at once, carrying the target's input (e.g. the reason a rule refused it).
   */
  readonly deadLetterQueueArns?: readonly string[];
  /** Told of every dead letter, e.g. to show it on a timeline. */
  readonly onDeadLetter?: (deadLetter: DeadLetter) => void;
  /** Told of every failed target delivery that will be retried. */
  readonly onDeliveryRetry?: (retry: DeliveryRetry) => void;
  readonly retry?: RetryTiming;
  /** Timeout of one API destination call; AWS uses 5 s. */
  readonly httpTimeoutMs?: number;
  readonly now?: () => Date;
}

export interface HttpSubscription {
  readonly ruleName: string;
  readonly ruleArn: string;
  readonly apiDestinationArn: string;
}

export interface SubscribeHttpOptions {
  readonly name?: string;
  readonly eventBusName?: string;
  readonly retryPolicy?: RetryPolicy;
  readonly httpMethod?: string;
}

export interface PutEventsOptions {
  readonly idempotencyKey?: string;
}

export interface EventBus {
  readonly region: string;
  readonly account: string;
  /**
   * With an `idempotencyKey`, an entry already accepted under that key and its index is answered
   * with its event's id and not accepted again (EventBridge has no such option; Step Functions'
   * integration uses it so that a rerun after a restart does not publish twice).
   */
  putEvents(entries: readonly PutEventsEntry[], options?: PutEventsOptions): PutEventsResult;
  injectFailure(failure: InjectedEntryFailure): void;
  putRule(rule: RuleSpec): RuleView;
  putTargets(ruleName: string, targets: readonly TargetSpec[], eventBusName?: string): void;
  removeTargets(ruleName: string, ids: readonly string[], eventBusName?: string): void;
  deleteRule(ruleName: string, eventBusName?: string): void;
  describeRule(ruleName: string, eventBusName?: string): RuleView;
  listRules(eventBusName?: string, namePrefix?: string): RuleView[];
  createEventBus(name: string): string;
  hasEventBus(name: string): boolean;
  /** Every bus, `default` included, by name. */
  listEventBuses(): string[];
  eventBusArn(name: string): string;
  /** Resolves a bus name or ARN to a bus name; throws `ResourceNotFoundException` if unknown. */
  resolveEventBus(nameOrArn?: string): string;
  putApiDestination(destination: {
    name: string;
    invocationEndpoint: string;
    httpMethod?: string;
  }): ApiDestination;
  /** Subscribes an HTTP endpoint to a pattern, as an API destination target with a retry policy. */
  subscribeHttp(
    url: string,
    pattern: Record<string, unknown>,
    options?: SubscribeHttpOptions,
  ): HttpSubscription;
  /** Every accepted event, oldest first. */
  events(): readonly EventEnvelope[];
  deadLetters(): readonly DeadLetter[];
  /** Keeps a dead letter that arrived another way (e.g. through an SQS dead-letter queue). */
  keepDeadLetter(deadLetter: DeadLetter): void;
  /** Starts the deliveries the journal kept from before a stop or a kill (once targets can run). */
  resumeDeliveries(): void;
  /** Resolves once every target delivery has succeeded or been dead-lettered. */
  whenIdle(): Promise<void>;
  /**
   * Stops retries; deliveries still waiting are dead-lettered with code `Shutdown`, or, with a
   * journal, kept for the next start. Invocations under way get `graceMs` to end.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * A local EventBridge: buses, rules and their targets, API destinations, and deliveries retried
 * and dead-lettered as AWS does; durable across restarts when given a journal.
 */
export function createEventBus(options: EventBusOptions = {}): EventBus {
  const region = options.region ?? 'us-east-1';
  const account = options.account ?? '000000000000';
  const now = options.now ?? (() => new Date());
  const buses = new EventBuses(region, account, options.busNames ?? []);
  const rules = new RuleRegistry(buses, region, account);
  const destinations = new ApiDestinations(region, account);
  const journal = options.journalPath ? new DeliveryJournal(options.journalPath) : undefined;
  const records = openBusRecords(options, journal, options.onDeadLetter);
  const dispatch = new TargetDispatch({ ...options, destinations, records, journal, now });
  const injected = new InjectedFailures();

  function putEvents(
    entries: readonly PutEventsEntry[],
    { idempotencyKey }: PutEventsOptions = {},
  ): PutEventsResult {
    checkPutEventsCall(entries);
    const accepted: AcceptedEvent[] = [];
    const results = entries.map((entry, index): PutEventsResultEntry => {
      const id = idempotencyKey ? idempotentEventId(idempotencyKey, index) : randomUUID();
      if (records.hasEvent(id)) return { EventId: id };
      if (injected.take(entry)) {
        return { ErrorCode: 'InternalFailure', ErrorMessage: 'injected failure' };
      }
      const entryOutcome = acceptEntry(entry, { buses, now: now(), account, region }, id);
      if (!('event' in entryOutcome)) return entryOutcome;
      const { bus: busName, event } = entryOutcome;
      accepted.push({ event, deliveries: rules.route(busName, event) });
      return { EventId: event.id };
    });
    // On disk before the answer: a kill from here on loses none of these events or deliveries.
    journal?.accept(accepted);
    for (const entry of accepted) {
      records.logEvent(entry.event);
      dispatch.dispatch(entry);
    }
    return {
      Entries: results,
      FailedEntryCount: results.filter((result) => result.ErrorCode).length,
    };
  }

  const bus: EventBus = {
    region,
    account,
    putEvents,
    injectFailure: (failure) => injected.add(failure),
    putRule: (spec) => rules.put(spec),
    putTargets: (ruleName, targets, eventBusName) =>
      rules.putTargets(ruleName, targets, eventBusName),
    removeTargets: (ruleName, ids, eventBusName) =>
      rules.removeTargets(ruleName, ids, eventBusName),
    deleteRule: (ruleName, eventBusName) => rules.delete(ruleName, eventBusName),
    describeRule: (ruleName, eventBusName) => rules.describe(ruleName, eventBusName),
    listRules: (eventBusName, namePrefix) => rules.list(eventBusName, namePrefix),
    createEventBus: (name) => buses.create(name),
    hasEventBus: (name) => buses.has(name),
    listEventBuses: () => buses.list(),
    eventBusArn: (name) => buses.arn(name),
    resolveEventBus: (nameOrArn) => buses.resolve(nameOrArn),
    putApiDestination: (destination) => destinations.put(destination),
    subscribeHttp: (url, pattern, subscribeOptions) =>
      subscribeHttp(bus, url, pattern, subscribeOptions),
    events: () => records.events,
    deadLetters: () => records.deadLetters,
    keepDeadLetter: (deadLetter) => records.keepDeadLetter(deadLetter),
    resumeDeliveries() {
      for (const entry of journal?.acceptedAtOpen ?? []) dispatch.dispatch(entry);
    },
    whenIdle: () => dispatch.deliveries.whenIdle(),
    close: (graceMs) => dispatch.deliveries.close(graceMs),
  };
  return bus;
}

/** An API destination for the URL and a rule sending it what matches the pattern. */
function subscribeHttp(
  bus: EventBus,
  url: string,
  pattern: Record<string, unknown>,
  options: SubscribeHttpOptions = {},
): HttpSubscription {
  const name = options.name ?? `http-${randomUUID().slice(0, 8)}`;
  const destination = bus.putApiDestination({
    name,
    invocationEndpoint: url,
    httpMethod: options.httpMethod ?? 'POST',
  });
  const rule = bus.putRule({
    name,
    eventBusName: options.eventBusName,
    eventPattern: pattern,
    targets: [
      {
        id: 'http',
        arn: destination.arn,
        ...(options.retryPolicy ? { retryPolicy: options.retryPolicy } : {}),
      },
    ],
  });
  return { ruleName: rule.name, ruleArn: rule.arn, apiDestinationArn: destination.arn };
}
