import { parseDuration } from './duration';

/** How often `wait` and `request --wait` ask for the status, unless told otherwise. */
export const DEFAULT_POLL_INTERVAL_MS = 10_000;

export class PollIntervalError extends Error {
  constructor(value: string) {
    super(`AMI_LIFECYCLE_POLL_INTERVAL: expected a duration such as 10s or 1m, got "${value}"`);
    this.name = 'PollIntervalError';
  }
}

/**
 * `AMI_LIFECYCLE_POLL_INTERVAL` (e.g. `5s`), else 10 s. The deadline stays wall-clock time
 * whatever the interval; a shorter one only notices an end sooner, at the cost of more calls.
 */
export function pollIntervalFrom(env: NodeJS.ProcessEnv): number {
  const value = env.AMI_LIFECYCLE_POLL_INTERVAL;
  if (value === undefined || value === '') return DEFAULT_POLL_INTERVAL_MS;
  try {
    return parseDuration(value);
  } catch {
    throw new PollIntervalError(value);
  }
}
