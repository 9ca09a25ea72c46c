import type { Clock } from '../shared/clock';

/**
 * `load` memoised for at most `maxAgeMs` of the injected clock: an expensive account-wide
 * read is shared by the groups checked within that time and read again after it. A failed
 * read is not kept; a clock that went backwards counts as expired.
 */
export function cacheFor<T>(
  load: () => Promise<T>,
  clock: Clock,
  maxAgeMs: number,
): () => Promise<T> {
  let cached: { readAt: number; value: Promise<T> } | undefined;
  return () => {
    const now = clock().getTime();
    if (cached !== undefined && now >= cached.readAt && now - cached.readAt < maxAgeMs) {
      return cached.value;
    }
    const value = load();
    const entry = { readAt: now, value };
    cached = entry;
    value.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return value;
  };
}
