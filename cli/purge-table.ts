import type { PurgePlanRow } from './purge-plan';

const HEADERS = ['AMI', 'NAME', 'AGE', 'DECISION', 'REASON'] as const;
const DAY_MS = 86_400_000;

/** The plan as an aligned text table, one image per line. */
export function formatPurgeTable(rows: readonly PurgePlanRow[]): string {
  const cells = rows.map((row) => [
    row.imageId,
    row.imageName ?? row.instanceName,
    formatAge(row.ageMs),
    row.decision,
    row.reason,
  ]);
  const widths = HEADERS.map((header, column) =>
    Math.max(header.length, ...cells.map((line) => (line[column] ?? '').length)),
  );
  return [[...HEADERS], ...cells]
    .map((line) =>
      line
        .map((cell, column) =>
          column === line.length - 1 ? cell : cell.padEnd(widths[column] ?? 0),
        )
        .join('  '),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** Whole days past one day (retention is counted in days), hours below it. */
export function formatAge(ms: number): string {
  if (ms >= DAY_MS) return `${Math.floor(ms / DAY_MS)}d`;
  return `${Math.max(0, Math.floor(ms / 3_600_000))}h`;
}
