import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { readJsonLines } from '../persistence/durable-files';

/**
 * Appends one JSON document per line, synchronously, so a user running `tail -f` sees records in
 * the order they happened and a crash never leaves half a line behind an acknowledged call.
 */
export function appendJsonLine(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, `${JSON.stringify(value)}\n`);
}

/** The records of a JSON Lines file this bus wrote; none if there is no path or no file yet. */
export function readJsonLinesFile(path: string | undefined): unknown[] {
  return path ? readJsonLines(path) : [];
}
