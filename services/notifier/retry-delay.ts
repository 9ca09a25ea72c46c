/** First backoff step; each retry doubles it up to `MAX_BACKOFF_MS`. */
const BASE_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 8_000;

/**
 * Exponential backoff with "equal jitter": half the step is fixed, half random, so concurrent
 * notifiers spread their retries without ever retrying immediately.
 */
export function backoffDelay(attempt: number, random: () => number): number {
  const step = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/**
 * The wait a `Retry-After` header asks for, in milliseconds: delta-seconds or an HTTP date
 * (RFC 9110 §10.2.3). Undefined when absent or unreadable, so the caller falls back to backoff.
 */
export function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}

/** First wait of a notification whose delivery failed; each time it comes back doubles it. */
const BASE_REDELIVERY_SECONDS = 30;
const MAX_REDELIVERY_SECONDS = 15 * 60;
/** The share of each step taken off at random, so notifications failing together spread out. */
const REDELIVERY_JITTER = 0.2;

/**
 * How long the queue should hide a notification before handing it over again, from the times it
 * was received: 30 s doubling up to 15 minutes, less up to a fifth at random. Bounded below, so
 * the redrive backstop (`maxReceiveCount`) can be computed from the retry window.
 */
export function redeliveryDelaySeconds(receiveCount: number, random: () => number): number {
  const exponent = Math.min(Math.max(receiveCount, 1) - 1, 10);
  const step = Math.min(MAX_REDELIVERY_SECONDS, BASE_REDELIVERY_SECONDS * 2 ** exponent);
  return Math.round(step * (1 - REDELIVERY_JITTER * random()));
}

/** Receives within a retry window, at most: every wait is at least the shortest jittered step. */
export function maxReceivesWithin(windowSeconds: number): number {
  let receives = 0;
  let elapsed = 0;
  while (elapsed < windowSeconds) {
    receives++;
    const step = Math.min(
      MAX_REDELIVERY_SECONDS,
      BASE_REDELIVERY_SECONDS * 2 ** Math.min(receives - 1, 10),
    );
    elapsed += step * (1 - REDELIVERY_JITTER);
  }
  return receives + 1;
}
