import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

/**
 * Replaces a file's content so that, once this returns, the new content is on disk and a crash at
 * any moment leaves either the old file or the new one, never a torn one (temporary file, fsync,
 * rename, fsync of the folder).
 */
export function writeFileDurably(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  syncFolder(dirname(path));
}

/**
 * Appends JSON documents, one a line, and returns once they are on disk: what the local cloud
 * acknowledges after this survives the process being killed.
 */
export function appendJsonLinesDurably(path: string, values: readonly unknown[]): void {
  if (values.length === 0) return;
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'a');
  try {
    writeSync(fd, values.map((value) => `${JSON.stringify(value)}\n`).join(''));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Every complete line of a JSON Lines file. A last line without its line break is what a kill in
 * the middle of an append leaves: it was never acknowledged, so it is skipped.
 */
export function readJsonLines(path: string): unknown[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.pop();
  return lines.filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as unknown);
}

function syncFolder(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a folder; the rename is then as durable as they allow.
  } finally {
    closeSync(fd);
  }
}
