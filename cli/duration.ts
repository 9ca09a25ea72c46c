import { InvalidArgumentError } from 'commander';

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000 } as const;
const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** `90m`, `2h`, `45s`, `1h30m` as milliseconds; throws commander's usage error otherwise. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  const [, hours, minutes, seconds] = match ?? [];
  const ms =
    Number(hours ?? 0) * UNIT_MS.h +
    Number(minutes ?? 0) * UNIT_MS.m +
    Number(seconds ?? 0) * UNIT_MS.s;
  if (match === null || ms <= 0) {
    throw new InvalidArgumentError('expected a duration such as 90m, 2h, 45s or 1h30m');
  }
  return ms;
}

/** Elapsed time for people: `12s`, `4m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (hours > 0) return `${hours}h${String(minutes).padStart(2, '0')}m`;
  if (minutes > 0) return `${minutes}m${String(seconds).padStart(2, '0')}s`;
  return `${seconds}s`;
}
