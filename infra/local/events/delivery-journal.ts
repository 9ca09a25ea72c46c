import * as z from '../../../events/zod';
import {
  appendJsonLinesDurably,
  readJsonLines,
  writeFileDurably,
} from '../persistence/durable-files';
import type { EventEnvelope, RuleTarget } from './model';

/** One target's copy of an accepted event, until it is delivered or dead-lettered. */
export interface JournaledDelivery {
  readonly id: string;
  readonly target: RuleTarget;
  readonly input: unknown;
}

export interface AcceptedEvent {
  readonly event: EventEnvelope;
  readonly deliveries: readonly JournaledDelivery[];
}

// The journal is the local cloud's own file: its lines are checked loosely (the shapes are
// written here), but a line that is neither kind is a corrupt journal, not something to skip.
const acceptedLine = z.object({
  accepted: z.looseObject({ id: z.string() }),
  deliveries: z.array(z.looseObject({ id: z.string(), target: z.looseObject({}) })),
});
const settledLine = z.object({ settled: z.string() });

/**
 * The bus's write-ahead journal (JSON Lines, fsync'd): an accepted event with its deliveries is
 * on disk before PutEvents answers, and each delivery that ends (delivered or dead-lettered) is
 * marked settled. At start the journal is read, what is still pending is kept, and the file is
 * compacted to just that, so it never grows past what is in flight.
 */
export class DeliveryJournal {
  /**
   * Every event in the journal when it was opened, each with its deliveries still pending: the
   * bus resumes those, and logs any event a kill kept out of the event log.
   */
  readonly acceptedAtOpen: readonly AcceptedEvent[];

  constructor(private readonly path: string) {
    this.acceptedAtOpen = acceptedOf(readJsonLines(path), path);
  }

  /** Rewrites the journal with only the deliveries still pending when it was opened. */
  compact(): void {
    const pending = this.acceptedAtOpen.filter((entry) => entry.deliveries.length > 0);
    writeFileDurably(
      this.path,
      pending.map((entry) => `${JSON.stringify(lineOf(entry))}\n`).join(''),
    );
  }

  accept(entries: readonly AcceptedEvent[]): void {
    appendJsonLinesDurably(this.path, entries.map(lineOf));
  }

  settle(deliveryId: string): void {
    appendJsonLinesDurably(this.path, [{ settled: deliveryId }]);
  }
}

function lineOf(entry: AcceptedEvent) {
  return { accepted: entry.event, deliveries: entry.deliveries };
}

function acceptedOf(lines: readonly unknown[], path: string): AcceptedEvent[] {
  const accepted: AcceptedEvent[] = [];
  const settled = new Set<string>();
  for (const line of lines) {
    const asSettled = settledLine.safeParse(line);
    if (asSettled.success) {
      settled.add(asSettled.data.settled);
      continue;
    }
    if (!acceptedLine.safeParse(line).success) {
      throw new Error(`${path}: not a delivery journal line: ${JSON.stringify(line)}`);
    }
    const { accepted: event, deliveries } = line as {
      accepted: EventEnvelope;
      deliveries: JournaledDelivery[];
    };
    accepted.push({ event, deliveries });
  }
  return accepted.map((entry) => ({
    event: entry.event,
    deliveries: entry.deliveries.filter((delivery) => !settled.has(delivery.id)),
  }));
}
