import { readFileSync } from 'node:fs';

/**
 * This process's peak resident set size in MiB: Linux's `VmHWM`, the high-water mark of the
 * memory of the program it runs, since its exec. Not getrusage's `maxrss`: on Linux that also
 * keeps what the process held before its exec, and a child of the bench starts as a fork of it,
 * so a bench holding a few hundred MiB (a local cloud run in it earlier) gave every child it
 * spawned a `maxrss` of at least its anonymous memory. Where `/proc` is absent, `maxrss`.
 */
export function peakRssMiB(): number {
  try {
    const kib = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kib !== undefined) return Number(kib) / 1024;
  } catch {
    // No procfs: getrusage's figure below.
  }
  return process.resourceUsage().maxRSS / 1024;
}
