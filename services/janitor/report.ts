import type { AmiPurgedV1 } from '../../events/ami-purged.v1';
import type * as z from '../../events/zod';

type PurgedDetail = z.input<typeof AmiPurgedV1.detail>;
type PurgedData = PurgedDetail['data'];
export type PurgedEntry = PurgedData['purged'][number];
export type SkippedEntry = PurgedData['skipped'][number];
export type FailedEntry = PurgedData['failed'][number];

/** What one invocation did. */
export interface PartReport {
  readonly purged: readonly PurgedEntry[];
  readonly skipped: readonly SkippedEntry[];
  readonly failed: readonly FailedEntry[];
  readonly capReached: boolean;
}

/** The fields every AmiPurged event of a run repeats. */
export interface RunHeader {
  readonly runId: string;
  /** The request the report answers to, as its metadata's requestId. */
  readonly requestId: string;
  readonly trigger: PurgedData['trigger'];
  readonly instanceName?: string;
  readonly dryRun: boolean;
  readonly retentionDays: number;
  readonly keepLatest: number;
}

/**
 * EventBridge rejects entries over 256 KB (detail plus source, detail-type and time); 8 KB are
 * left for those and for part numbers growing by a digit.
 */
export const MAX_DETAIL_BYTES = 248 * 1024;

export interface PartNumbering {
  /** Part number of the first event this invocation publishes. */
  readonly firstPart: number;
  /** Whether this invocation ends the run: only then does its last event say `final: true`. */
  readonly endsRun: boolean;
  readonly occurredAt: string;
  readonly maxDetailBytes?: number;
}

/**
 * Turns one invocation's report into AmiPurged details, usually one. A report too large for one
 * event is split into consecutive parts (purged entries first, then failed, then skipped, each
 * in run order); every part repeats the run header, and only the run's last part is `final`.
 */
export function toPurgedDetails(
  header: RunHeader,
  report: PartReport,
  { firstPart, endsRun, occurredAt, maxDetailBytes = MAX_DETAIL_BYTES }: PartNumbering,
): PurgedDetail[] {
  const detailOf = (
    part: number,
    final: boolean,
    entries: Pick<PurgedData, 'purged' | 'skipped' | 'failed'>,
  ): PurgedDetail => ({
    metadata: { schemaVersion: 1, requestId: header.requestId, occurredAt },
    data: {
      runId: header.runId,
      trigger: header.trigger,
      ...(header.instanceName === undefined ? {} : { instanceName: header.instanceName }),
      dryRun: header.dryRun,
      retentionDays: header.retentionDays,
      keepLatest: header.keepLatest,
      part,
      final,
      ...entries,
      capReached: report.capReached,
    },
  });

  const baseBytes = byteLength(
    detailOf(firstPart, endsRun, { purged: [], skipped: [], failed: [] }),
  );
  type Chunk = { purged: PurgedEntry[]; skipped: SkippedEntry[]; failed: FailedEntry[] };
  const chunks: Chunk[] = [];
  let chunk: Chunk = { purged: [], skipped: [], failed: [] };
  let chunkBytes = baseBytes;
  let chunkEntries = 0;
  const add = (entry: object, push: (into: Chunk) => void) => {
    const entryBytes = byteLength(entry) + 1; // and a comma
    if (chunkEntries > 0 && chunkBytes + entryBytes > maxDetailBytes) {
      chunks.push(chunk);
      chunk = { purged: [], skipped: [], failed: [] };
      chunkBytes = baseBytes;
      chunkEntries = 0;
    }
    push(chunk);
    chunkBytes += entryBytes;
    chunkEntries += 1;
  };
  for (const entry of report.purged) add(entry, (into) => into.purged.push(entry));
  for (const entry of report.failed) add(entry, (into) => into.failed.push(entry));
  for (const entry of report.skipped) add(entry, (into) => into.skipped.push(entry));
  chunks.push(chunk);

  return chunks.map((entries, index) =>
    detailOf(firstPart + index, endsRun && index === chunks.length - 1, entries),
  );
}

function byteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}
