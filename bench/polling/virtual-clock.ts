import FakeTimers from '@sinonjs/fake-timers';

/**
 * Timers fired before a run counts as looping forever: a 90-minute bake polled every 60 s needs
 * about 90 (one per Wait), so this leaves a wide margin.
 */
const MAX_TIMERS = 5_000;

/**
 * Runs `start` on a fake clock that begins at `startMs` and moves only when a timer fires, as the
 * watcher's own tests do: every Wait of a state machine advances the clock by exactly its
 * duration, so hours of polling take milliseconds and every time read is deterministic. Only
 * `setTimeout`, `clearTimeout` and `Date` are faked (what the engine's Waits and the context's
 * `EnteredTime` use). Work finishing elsewhere in the process (a closed socket) may clear a native
 * timer, which is passed through, or set a fake one: fake timers fire in time order, so a Wait
 * still fires at exactly its own time.
 */
export async function onVirtualClock<T>(startMs: number, start: () => Promise<T>): Promise<T> {
  const clock = FakeTimers.install({
    now: startMs,
    toFake: ['setTimeout', 'clearTimeout', 'Date'],
    shouldClearNativeTimers: true,
  });
  try {
    let settled = false;
    const result = start();
    result.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    for (let fired = 0; !settled; fired += 1) {
      if (fired >= MAX_TIMERS) {
        throw new Error(`still running after ${MAX_TIMERS} timers (${new Date().toISOString()})`);
      }
      await clock.nextAsync();
    }
    return await result;
  } finally {
    clock.uninstall();
  }
}
