import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface BundleSize {
  /** The handler module alone: what Node.js reads and compiles. */
  readonly entryBytes: number;
  /** Every file of the asset (source maps included): what is uploaded and unpacked. */
  readonly totalBytes: number;
}

export async function bundleSize(dir: string, entryFile: string): Promise<BundleSize> {
  let totalBytes = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) totalBytes += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return { entryBytes: (await stat(entryFile)).size, totalBytes };
}
