import { randomUUID } from 'node:crypto';
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { AmiRequestedV1, type AmiRequestedV1Detail } from './ami-requested.v1';
import { type EventContract, parseDetail } from './contract';
import type * as z from './zod';

/** EventBridge takes at most 10 entries per PutEvents request. */
export const MAX_PUT_EVENTS_ENTRIES = 10;
/**
 * EventBridge takes at most 256 KB per PutEvents request: the sum of `putEventsEntrySize` over
 * its entries, not each entry on its own.
 */
export const MAX_PUT_EVENTS_REQUEST_BYTES = 256 * 1024;
/** EventBridge counts a `Time`, whatever its form, as this many bytes. */
const TIME_BYTES = 14;

/** The parts of a PutEvents entry that count towards its size. */
export interface PutEventsSizedEntry {
  readonly Time?: unknown;
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly Resources?: readonly (string | undefined)[];
}

export interface OutgoingEvent<Detail extends z.ZodMiniType = z.ZodMiniType> {
  readonly contract: EventContract<Detail>;
  readonly source: string;
  readonly detail: z.input<Detail>;
}

export interface PublishOptions {
  /** Extra attempts for entries EventBridge reports as failed (the SDK retries whole calls). */
  readonly entryRetries?: number;
  /** Wait before retrying failed entries, doubled each time. Tests pass 0. */
  readonly retryDelayMs?: number;
}

/**
 * An entry's size as EventBridge counts it against the request limit ("Calculating PutEvents
 * event entry size"): 14 bytes for a `Time`, plus the UTF-8 bytes of `Source`, `DetailType`,
 * `Detail` and each of `Resources`. `EventBusName` and `TraceHeader` do not count.
 */
export function putEventsEntrySize(entry: PutEventsSizedEntry): number {
  const bytes = (text: string | undefined) => (text === undefined ? 0 : Buffer.byteLength(text));
  let size = entry.Time === undefined ? 0 : TIME_BYTES;
  size += bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail);
  for (const resource of entry.Resources ?? []) size += bytes(resource);
  return size;
}

/** An entry that no PutEvents request can carry, however it is grouped. */
export class EventTooLargeError extends Error {
  constructor(
    readonly detailType: string,
    readonly size: number,
  ) {
    super(
      `${detailType} entry is ${size} bytes; EventBridge takes at most ${MAX_PUT_EVENTS_REQUEST_BYTES} bytes per PutEvents request`,
    );
    this.name = 'EventTooLargeError';
  }
}

/**
 * Groups entries, in order, into PutEvents requests of at most 10 entries and 256 KB each.
 * Throws `EventTooLargeError` for an entry over 256 KB on its own, before anything is sent.
 */
export function groupPutEventsEntries<Entry extends PutEventsSizedEntry>(
  entries: readonly Entry[],
): Entry[][] {
  const requests: Entry[][] = [];
  let current: Entry[] = [];
  let currentBytes = 0;
  for (const entry of entries) {
    const size = putEventsEntrySize(entry);
    if (size > MAX_PUT_EVENTS_REQUEST_BYTES) {
      throw new EventTooLargeError(entry.DetailType ?? '', size);
    }
    if (
      current.length === MAX_PUT_EVENTS_ENTRIES ||
      currentBytes + size > MAX_PUT_EVENTS_REQUEST_BYTES
    ) {
      requests.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(entry);
    currentBytes += size;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

export class PublishError extends Error {
  constructor(
    message: string,
    /** The entries EventBridge did not accept, with their error codes. */
    readonly failedEntries: readonly { detailType: string; errorCode: string }[],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PublishError';
  }
}

/**
 * Publishes events to a bus, in order, in requests of at most 10 entries and 256 KB. Every detail
 * is parsed against its contract and every entry sized first, so nothing is sent when one event is
 * invalid or too large (`InvalidEventError`, `EventTooLargeError`). `FailedEntryCount` is checked: entries that failed
 * are retried, and if any still fail a `PublishError` is thrown.
 */
export async function publishEvents(
  client: EventBridgeClient,
  eventBusName: string,
  events: readonly OutgoingEvent[],
  options: PublishOptions = {},
): Promise<void> {
  const entries: PutEventsRequestEntry[] = events.map((event) => ({
    EventBusName: eventBusName,
    Source: event.source,
    DetailType: event.contract.detailType,
    Detail: JSON.stringify(parseDetail(event.contract, event.detail)),
  }));
  for (const request of groupPutEventsEntries(entries)) {
    await putWithEntryRetries(client, request, options);
  }
}

async function putWithEntryRetries(
  client: EventBridgeClient,
  entries: PutEventsRequestEntry[],
  { entryRetries = 2, retryDelayMs = 200 }: PublishOptions,
): Promise<void> {
  let pending = entries;
  for (let attempt = 0; ; attempt++) {
    const result = await client.send(new PutEventsCommand({ Entries: pending }));
    if (!result.FailedEntryCount) return;
    const failed = pending
      .map((entry, index) => ({ entry, result: result.Entries?.[index] }))
      .filter(({ result }) => isFailed(result));
    if (attempt >= entryRetries) {
      throw new PublishError(
        `EventBridge rejected ${failed.length} of ${pending.length} events`,
        failed.map(({ entry, result }) => ({
          detailType: entry.DetailType ?? '',
          errorCode: result?.ErrorCode ?? 'Unknown',
        })),
      );
    }
    pending = failed.map(({ entry }) => entry);
    if (retryDelayMs > 0) await sleep(retryDelayMs * 2 ** attempt);
  }
}

function isFailed(result: PutEventsResultEntry | undefined): boolean {
  // A missing result entry is treated as failed: never assume delivery.
  return result === undefined || result.ErrorCode !== undefined || result.EventId === undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface AmiRequest {
  readonly eventBusName: string;
  readonly instanceNames: readonly string[];
  /** Idempotency key; generated when absent. Reuse it to retry the same request safely. */
  readonly requestId?: string;
  readonly requestedBy?: string;
  readonly options?: { readonly noReboot?: boolean };
  /** Your system's name; any source is accepted for AmiRequested. */
  readonly source?: string;
  readonly now?: Date;
}

/**
 * Typed publisher for other systems: asks ami-lifecycle for deploy AMIs. Validates the request
 * against the AmiRequested v1 contract (throws `InvalidEventError` before sending anything) and
 * throws `PublishError` unless EventBridge accepted the event. Returns the request id.
 */
export async function putAmiRequested(
  client: EventBridgeClient,
  request: AmiRequest,
  options?: PublishOptions,
): Promise<string> {
  const requestId = request.requestId ?? randomUUID();
  const detail: z.input<typeof AmiRequestedV1.detail> = {
    metadata: {
      schemaVersion: 1,
      requestId,
      occurredAt: (request.now ?? new Date()).toISOString(),
    },
    data: {
      instanceNames: [...request.instanceNames],
      ...(request.requestedBy === undefined ? {} : { requestedBy: request.requestedBy }),
      ...(request.options === undefined ? {} : { options: { ...request.options } }),
    },
  };
  await publishEvents(
    client,
    request.eventBusName,
    [{ contract: AmiRequestedV1, source: request.source ?? 'external', detail }],
    options,
  );
  return requestId;
}

export type { AmiRequestedV1Detail };
