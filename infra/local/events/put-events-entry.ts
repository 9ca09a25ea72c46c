import { createHash, randomUUID } from 'node:crypto';
import {
  MAX_PUT_EVENTS_ENTRIES,
  MAX_PUT_EVENTS_REQUEST_BYTES,
  putEventsEntrySize,
} from '../../../events/publish';
import { busNameOf, type EventBuses } from './event-buses';
import { type EventEnvelope, EventsApiError } from './model';

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

// The publishers' limits, so that what they group into one request is what this bus accepts.
export const MAX_ENTRIES_PER_CALL = MAX_PUT_EVENTS_ENTRIES;
/** 256 KB for a whole call, entries sized as EventBridge sizes them (`putEventsEntrySize`). */
export const MAX_PUT_EVENTS_BYTES = MAX_PUT_EVENTS_REQUEST_BYTES;

/** Refuses a whole call, as EventBridge does, when it has too few or too many entries or bytes. */
export function checkPutEventsCall(entries: readonly PutEventsEntry[]): void {
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
}

/** An entry the bus accepts: the bus it goes on, and its envelope. */
export interface AcceptedEntry {
  readonly bus: string;
  readonly event: EventEnvelope;
}

/** The entry's envelope on its bus, or the per-entry error EventBridge answers for it. */
export function acceptEntry(
  entry: PutEventsEntry,
  context: { buses: EventBuses; now: Date; account: string; region: string },
  id: string = randomUUID(),
): AcceptedEntry | PutEventsResultEntry {
  const checked = validateEntry(entry, context.buses, context.now);
  if (!('bus' in checked)) return checked;
  const event: EventEnvelope = {
    version: '0',
    id,
    'detail-type': entry.DetailType as string,
    source: entry.Source as string,
    account: context.account,
    time: toIsoSeconds(checked.time),
    region: context.region,
    resources: [...(entry.Resources ?? [])],
    detail: checked.detail,
  };
  return { bus: checked.bus, event };
}

/**
 * The id of entry `index` of a call made with `idempotencyKey`: a UUID, as EventBridge's are, that
 * the same key and index always give.
 */
export function idempotentEventId(idempotencyKey: string, index: number): string {
  const hex = createHash('sha256').update(`${idempotencyKey}\n${index}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function validateEntry(
  entry: PutEventsEntry,
  buses: EventBuses,
  now: Date,
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
  const detail = parseDetail(entry.Detail);
  if (!detail) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  const time = parseTime(entry.Time, now);
  if (!time) return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Time is not valid.' };
  // AWS accepts events for a bus that does not exist and drops them silently; the local cloud
  // refuses them per entry instead, so a misspelt bus name shows up at once.
  const bus = busNameOf(entry.EventBusName);
  if (!buses.has(bus)) {
    return {
      ErrorCode: 'ResourceNotFoundException',
      ErrorMessage: `Event bus ${bus} does not exist.`,
    };
  }
  return { bus, detail, time };
}

/** The detail as a JSON object, or undefined when it is not one. */
function parseDetail(text: string): Record<string, unknown> | undefined {
  let detail: unknown;
  try {
    detail = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return undefined;
  return detail as Record<string, unknown>;
}

function parseTime(time: PutEventsEntry['Time'], now: Date): Date | undefined {
  if (time === undefined) return now;
  const date =
    time instanceof Date ? time : new Date(typeof time === 'number' ? time * 1_000 : time);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function toIsoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
