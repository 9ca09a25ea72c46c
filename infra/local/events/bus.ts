import { createHash, randomUUID } from 'node:crypto';
import {
  MAX_PUT_EVENTS_ENTRIES,
  MAX_PUT_EVENTS_REQUEST_BYTES,
  putEventsEntrySize,
} from '../../../events/publish';
import { sentToDeadLetterQueue } from './dead-letter';
import { DeliveryQueue, type DeliveryRetry, type RetryTiming } from './delivery';
import { type AcceptedEvent, DeliveryJournal, type JournaledDelivery } from './delivery-journal';
import { compileEventPattern, type EventMatcher, EventPatternError } from './event-pattern';
import { type ApiDestination, invokeApiDestination } from './http-target';
import { appendJsonLine, readJsonLinesFile } from './json-lines';
import {
  type DeadLetter,
  type EventEnvelope,
  EventsApiError,
  type RetryPolicy,
  type RuleSpec,
  type RuleTarget,
  TargetInvocationError,
  type TargetInvoker,
  type TargetSpec,
} from './model';
import { compileTargetInput } from './target-input';

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

/** One `PutEvents` entry, as the API takes it. */
export interface PutEventsEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly EventBusName?: string;
  readonly Resources?: readonly string[];
  /** Epoch seconds (what the SDK sends), an ISO-8601 string or a Date. */
  readonly Time?: number | string | Date;
  readonly TraceHeader?: string;
}

export interface PutEventsResultEntry {
  readonly EventId?: string;
  readonly ErrorCode?: string;
  readonly ErrorMessage?: string;
}

export interface PutEventsResult {
  readonly Entries: PutEventsResultEntry[];
  readonly FailedEntryCount: number;
}

export interface RuleView {
  readonly name: string;
  readonly arn: string;
  readonly eventBusName: string;
  readonly eventPattern: Record<string, unknown>;
  readonly description?: string;
  readonly state: 'ENABLED' | 'DISABLED';
  readonly targets: readonly TargetSpec[];
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

// The publishers' limits, so that what they group into one request is what this bus accepts.
export const MAX_ENTRIES_PER_CALL = MAX_PUT_EVENTS_ENTRIES;
/** 256 KB for a whole call, entries sized as EventBridge sizes them (`putEventsEntrySize`). */
export const MAX_PUT_EVENTS_BYTES = MAX_PUT_EVENTS_REQUEST_BYTES;

/**
 * Makes the next `times` (default 1) PutEvents entries of `detailType` whose Detail contains
 * `detailIncludes` fail with `InternalFailure`, as EventBridge reports an entry it could not take
 * (e.g. to test that a publisher handles a refused outcome).
 */
export interface InjectedEntryFailure {
  detailType: string;
  detailIncludes?: string;
  times?: number;
}

export interface EventBus {
  readonly region: string;
  readonly account: string;
  putEvents(entries: readonly PutEventsEntry[]): PutEventsResult;
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

interface Rule {
  spec: RuleView;
  matcher: EventMatcher;
  targets: Map<string, { spec: TargetSpec; input: (event: EventEnvelope) => unknown }>;
}

function toIsoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function parseTime(time: PutEventsEntry['Time'], now: Date): Date | undefined {
  if (time === undefined) return now;
  const date =
    time instanceof Date ? time : new Date(typeof time === 'number' ? time * 1_000 : time);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * AWS gives an API destination a random id; locally it follows from the name, so a destination
 * recreated by the journal at a restart keeps the ARN its targets name.
 */
function nameBasedId(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function readLog(path: string | undefined): EventEnvelope[] {
  return readJsonLinesFile(path) as EventEnvelope[];
}

export function createEventBus(options: EventBusOptions = {}): EventBus {
  const region = options.region ?? 'us-east-1';
  const account = options.account ?? '000000000000';
  const now = options.now ?? (() => new Date());
  const buses = new Set(['default', ...(options.busNames ?? [])]);
  const rules = new Map<string, Rule>();
  const apiDestinations = new Map<string, ApiDestination>();
  const journal = options.journalPath ? new DeliveryJournal(options.journalPath) : undefined;
  const log: EventEnvelope[] = journal ? readLog(options.eventLogPath) : [];
  const dead: DeadLetter[] = journal
    ? (readJsonLinesFile(options.deadLetterPath) as DeadLetter[])
    : [];
  if (journal) {
    // A kill between the journal and the event log leaves an accepted event out of the log.
    const logged = new Set(log.map((event) => event.id));
    for (const { event } of journal.acceptedAtOpen) {
      if (logged.has(event.id)) continue;
      log.push(event);
      if (options.eventLogPath) appendJsonLine(options.eventLogPath, event);
    }
    journal.compact();
  }

  const eventBusArn = (name: string) => `arn:aws:events:${region}:${account}:event-bus/${name}`;
  const ruleArn = (bus: string, name: string) =>
    `arn:aws:events:${region}:${account}:rule/${bus === 'default' ? '' : `${bus}/`}${name}`;
  const ruleKey = (bus: string, name: string) => `${bus}\u0000${name}`;

  function busNameOf(nameOrArn: string | undefined): string {
    if (!nameOrArn) return 'default';
    const fromArn = /^arn:aws[\w-]*:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(nameOrArn);
    return fromArn?.[1] ?? nameOrArn;
  }

  function resolveEventBus(nameOrArn?: string): string {
    const name = busNameOf(nameOrArn);
    if (!buses.has(name)) {
      throw new EventsApiError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
    }
    return name;
  }

  function getRule(name: string, eventBusName?: string): Rule {
    const bus = resolveEventBus(eventBusName);
    const rule = rules.get(ruleKey(bus, name));
    if (!rule) {
      throw new EventsApiError(
        'ResourceNotFoundException',
        `Rule ${name} does not exist on EventBus ${bus}.`,
      );
    }
    return rule;
  }

  async function invoke(target: RuleTarget, input: unknown, event: EventEnvelope): Promise<void> {
    const destination = apiDestinations.get(target.arn);
    if (destination) return invokeApiDestination(destination, input, event, options.httpTimeoutMs);
    if (!options.invokeTarget) {
      throw new TargetInvocationError(
        'NoInvoker',
        `no invoker is configured for target ${target.arn}`,
        false,
      );
    }
    return options.invokeTarget(target, input, event);
  }

  const deadLetterQueues = new Set(options.deadLetterQueueArns ?? []);
  function keepDeadLetter(deadLetter: DeadLetter): void {
    dead.push(deadLetter);
    if (options.deadLetterPath) appendJsonLine(options.deadLetterPath, deadLetter);
    options.onDeadLetter?.(deadLetter);
  }

  const deliveries = new DeliveryQueue({
    ...options.retry,
    now,
    invoke,
    onDeadLetter: keepDeadLetter,
    ...(options.onDeliveryRetry ? { onRetry: options.onDeliveryRetry } : {}),
    ...(journal ? { onSettled: (id: string) => journal.settle(id), keepPendingAtClose: true } : {}),
  });

  function validateEntry(
    entry: PutEventsEntry,
  ): PutEventsResultEntry | { bus: string; detail: Record<string, unknown>; time: Date } {
    const invalid = (field: string) => ({
      ErrorCode: 'InvalidArgument',
      ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
    });
    if (!entry.Source) return invalid('Source');
    if (!entry.DetailType) return invalid('DetailType');
    if (entry.Detail === undefined || entry.Detail === '') return invalid('Detail');
    if (putEventsEntrySize(entry) > MAX_PUT_EVENTS_BYTES) {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Event size exceeds the 256 KB limit.' };
    }
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    const time = parseTime(entry.Time, now());
    if (!time)
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Time is not valid.' };
    // AWS accepts events for a bus that does not exist and drops them silently; the local cloud
    // refuses them per entry instead, so a misspelt bus name shows up at once.
    const bus = busNameOf(entry.EventBusName);
    if (!buses.has(bus)) {
      return {
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: `Event bus ${bus} does not exist.`,
      };
    }
    return { bus, detail: detail as Record<string, unknown>, time };
  }

  /** The deliveries an event gets: one per target of each enabled rule it matches. */
  function route(bus: string, event: EventEnvelope): JournaledDelivery[] {
    const routed: JournaledDelivery[] = [];
    for (const rule of rules.values()) {
      if (rule.spec.eventBusName !== bus || rule.spec.state !== 'ENABLED' || !rule.matcher(event))
        continue;
      for (const { spec, input } of rule.targets.values()) {
        const target = {
          ...spec,
          ruleName: rule.spec.name,
          ruleArn: rule.spec.arn,
          eventBusName: bus,
        };
        routed.push({ id: randomUUID(), target, input: input(event) });
      }
    }
    return routed;
  }

  function dispatch({ event, deliveries: routed }: AcceptedEvent): void {
    for (const { id, target, input } of routed) {
      if (deadLetterQueues.has(target.arn)) {
        keepDeadLetter(sentToDeadLetterQueue(target, input, event, now()));
        journal?.settle(id);
      } else {
        deliveries.enqueue(target, input, event, id);
      }
    }
  }

  function view(rule: Rule): RuleView {
    return { ...rule.spec, targets: [...rule.targets.values()].map((target) => target.spec) };
  }

  const injected: { failure: InjectedEntryFailure; left: number }[] = [];
  const injectedFailureFor = (entry: PutEventsEntry): boolean => {
    const found = injected.find(
      ({ failure, left }) =>
        left > 0 &&
        failure.detailType === entry.DetailType &&
        (failure.detailIncludes === undefined ||
          (entry.Detail ?? '').includes(failure.detailIncludes)),
    );
    if (found) found.left--;
    return found !== undefined;
  };

  const bus: EventBus = {
    region,
    account,

    injectFailure(failure) {
      injected.push({ failure, left: failure.times ?? 1 });
    },

    putEvents(entries) {
      if (entries.length < 1 || entries.length > MAX_ENTRIES_PER_CALL) {
        throw new EventsApiError(
          'ValidationException',
          `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${entries.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 10'}`,
        );
      }
      const total = entries.reduce((sum, entry) => sum + putEventsEntrySize(entry), 0);
      if (total > MAX_PUT_EVENTS_BYTES) {
        throw new EventsApiError(
          'ValidationException',
          'Total size of the entries in the request is over the limit.',
        );
      }
      const accepted: AcceptedEvent[] = [];
      const results = entries.map((entry): PutEventsResultEntry => {
        if (injectedFailureFor(entry)) {
          return { ErrorCode: 'InternalFailure', ErrorMessage: 'injected failure' };
        }
        const checked = validateEntry(entry);
        if (!('bus' in checked)) return checked;
        const event: EventEnvelope = {
          version: '0',
          id: randomUUID(),
          'detail-type': entry.DetailType as string,
          source: entry.Source as string,
          account,
          time: toIsoSeconds(checked.time),
          region,
          resources: [...(entry.Resources ?? [])],
          detail: checked.detail,
        };
        accepted.push({ event, deliveries: route(checked.bus, event) });
        return { EventId: event.id };
      });
      // On disk before the answer: a kill from here on loses none of these events or deliveries.
      journal?.accept(accepted);
      for (const entry of accepted) {
        log.push(entry.event);
        if (options.eventLogPath) appendJsonLine(options.eventLogPath, entry.event);
        dispatch(entry);
      }
      return {
        Entries: results,
        FailedEntryCount: results.filter((result) => result.ErrorCode).length,
      };
    },

    putRule(spec) {
      const busName = resolveEventBus(spec.eventBusName);
      let matcher: EventMatcher;
      try {
        matcher = compileEventPattern(spec.eventPattern);
      } catch (error) {
        if (error instanceof EventPatternError) {
          throw new EventsApiError(
            'InvalidEventPatternException',
            `Event pattern is not valid. Reason: ${error.message}`,
          );
        }
        throw error;
      }
      const key = ruleKey(busName, spec.name);
      const existing = rules.get(key);
      const rule: Rule = {
        spec: {
          name: spec.name,
          arn: ruleArn(busName, spec.name),
          eventBusName: busName,
          eventPattern: spec.eventPattern,
          ...(spec.description === undefined ? {} : { description: spec.description }),
          state: spec.state ?? 'ENABLED',
          targets: [],
        },
        matcher,
        targets: existing?.targets ?? new Map(),
      };
      rules.set(key, rule);
      if (spec.targets) bus.putTargets(spec.name, spec.targets, busName);
      return view(rule);
    },

    putTargets(ruleName, targets, eventBusName) {
      const rule = getRule(ruleName, eventBusName);
      const compiled = targets.map((target) => ({
        spec: target,
        input: compileTargetInput(target, { ruleName: rule.spec.name, ruleArn: rule.spec.arn }),
      }));
      for (const target of compiled) rule.targets.set(target.spec.id, target);
    },

    removeTargets(ruleName, ids, eventBusName) {
      const rule = getRule(ruleName, eventBusName);
      for (const id of ids) rule.targets.delete(id);
    },

    deleteRule(ruleName, eventBusName) {
      const rule = getRule(ruleName, eventBusName);
      if (rule.targets.size > 0) {
        throw new EventsApiError(
          'ValidationException',
          "Rule can't be deleted since it has targets.",
        );
      }
      rules.delete(ruleKey(rule.spec.eventBusName, ruleName));
    },

    describeRule: (ruleName, eventBusName) => view(getRule(ruleName, eventBusName)),

    listRules(eventBusName, namePrefix) {
      const busName = resolveEventBus(eventBusName);
      return [...rules.values()]
        .filter(
          (rule) =>
            rule.spec.eventBusName === busName && rule.spec.name.startsWith(namePrefix ?? ''),
        )
        .map(view)
        .sort((a, b) => a.name.localeCompare(b.name));
    },

    createEventBus(name) {
      if (buses.has(name)) {
        throw new EventsApiError(
          'ResourceAlreadyExistsException',
          `Event bus ${name} already exists.`,
        );
      }
      buses.add(name);
      return eventBusArn(name);
    },

    hasEventBus: (name) => buses.has(busNameOf(name)),
    listEventBuses: () => [...buses].sort(),
    eventBusArn,
    resolveEventBus,

    putApiDestination({ name, invocationEndpoint, httpMethod = 'POST' }) {
      const destination: ApiDestination = {
        name,
        arn: `arn:aws:events:${region}:${account}:api-destination/${name}/${nameBasedId(name)}`,
        invocationEndpoint,
        httpMethod,
      };
      for (const [arn, existing] of apiDestinations) {
        if (existing.name === name) apiDestinations.delete(arn);
      }
      apiDestinations.set(destination.arn, destination);
      return destination;
    },

    subscribeHttp(url, pattern, subscribeOptions = {}) {
      const name = subscribeOptions.name ?? `http-${randomUUID().slice(0, 8)}`;
      const destination = bus.putApiDestination({
        name,
        invocationEndpoint: url,
        httpMethod: subscribeOptions.httpMethod ?? 'POST',
      });
      const rule = bus.putRule({
        name,
        eventBusName: subscribeOptions.eventBusName,
        eventPattern: pattern,
        targets: [
          {
            id: 'http',
            arn: destination.arn,
            ...(subscribeOptions.retryPolicy ? { retryPolicy: subscribeOptions.retryPolicy } : {}),
          },
        ],
      });
      return { ruleName: rule.name, ruleArn: rule.arn, apiDestinationArn: destination.arn };
    },

    events: () => log,
    deadLetters: () => dead,
    keepDeadLetter,
    resumeDeliveries() {
      for (const entry of journal?.acceptedAtOpen ?? []) dispatch(entry);
    },
    whenIdle: () => deliveries.whenIdle(),
    close: (graceMs) => deliveries.close(graceMs),
  };
  return bus;
}
