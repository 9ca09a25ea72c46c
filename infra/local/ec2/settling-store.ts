import type { Ec2State, ImageStateChange } from './model';
import { Ec2Store } from './store';

/**
 * The service's store (replaced whole by loadState and reset) and the image state changes it
 * reports: they wait until the store is consistent again, then go to the listener in order.
 */
export function createSettlingStore(
  terminatedVisibleMs: number,
  listener: ((change: ImageStateChange) => void) | undefined,
) {
  const imageStateChanges: ImageStateChange[] = [];
  const newStore = () =>
    new Ec2Store(terminatedVisibleMs, listener && ((change) => imageStateChanges.push(change)));
  let store = newStore();

  const deliverImageStateChanges = (): void => {
    if (listener === undefined) return;
    for (let change = imageStateChanges.shift(); change; change = imageStateChanges.shift()) {
      listener(change);
    }
  };

  return {
    get store(): Ec2Store {
      return store;
    },
    /** A new store, empty or holding a saved state. */
    replace(state?: Ec2State): void {
      store = newStore();
      if (state) store.load(state);
    },
    /** Applies what the clock has made due, then reports the image state changes. */
    settle(nowMs: number): void {
      store.settle(nowMs);
      deliverImageStateChanges();
    },
    deliverImageStateChanges,
  };
}
