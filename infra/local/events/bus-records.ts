import type { DeliveryJournal } from './delivery-journal';
import { appendJsonLine, readJsonLinesFile } from './json-lines';
import type { DeadLetter, EventEnvelope } from './model';

export interface BusRecordPaths {
  /** JSON Lines file receiving every accepted event's envelope. */
  readonly eventLogPath?: string;
  /** JSON Lines file receiving every dead letter. */
  readonly deadLetterPath?: string;
}

/**
 * What the bus keeps of its past: every accepted event and every dead letter, in memory and in
 * their JSON Lines files when paths are given.
 */
export class BusRecords {
  readonly events: EventEnvelope[];
  readonly deadLetters: DeadLetter[];
  private readonly eventIds: Set<string>;

  /** A durable bus starts from what its files kept; another starts empty. */
  constructor(
    private readonly paths: BusRecordPaths,
    durable: boolean,
    private readonly onDeadLetter?: (deadLetter: DeadLetter) => void,
  ) {
    this.events = durable ? (readJsonLinesFile(paths.eventLogPath) as EventEnvelope[]) : [];
    this.deadLetters = durable ? (readJsonLinesFile(paths.deadLetterPath) as DeadLetter[]) : [];
    this.eventIds = new Set(this.events.map((event) => event.id));
  }

  hasEvent(id: string): boolean {
    return this.eventIds.has(id);
  }

  logEvent(event: EventEnvelope): void {
    this.events.push(event);
    this.eventIds.add(event.id);
    if (this.paths.eventLogPath) appendJsonLine(this.paths.eventLogPath, event);
  }

  keepDeadLetter(deadLetter: DeadLetter): void {
    this.deadLetters.push(deadLetter);
    if (this.paths.deadLetterPath) appendJsonLine(this.paths.deadLetterPath, deadLetter);
    this.onDeadLetter?.(deadLetter);
  }
}

/** The bus's records, read back and completed from the journal when there is one. */
export function openBusRecords(
  paths: BusRecordPaths,
  journal: DeliveryJournal | undefined,
  onDeadLetter: ((deadLetter: DeadLetter) => void) | undefined,
): BusRecords {
  const records = new BusRecords(paths, journal !== undefined, onDeadLetter);
  if (journal) {
    // A kill between the journal and the event log leaves an accepted event out of the log.
    for (const { event } of journal.acceptedAtOpen) {
      if (!records.hasEvent(event.id)) records.logEvent(event);
    }
    journal.compact();
  }
  return records;
}
