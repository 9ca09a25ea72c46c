import type { PutEventsEntry } from './put-events-entry';

/**
 * Makes the next `times` (default 1) PutEvents entries of `detailType` whose Detail contains
 * `detailIncludes` fail with `InternalFailure`, as EventBridge reports an entry it could not take
 * (e.g. to test that a publisher handles a refused outcome).
 */
export interface InjectedEntryFailure {
  detailType: string;
  detailIncludes?: string;
  times?: number;
}

/** The entry failures a test asked for, each used up as matching entries arrive. */
export class InjectedFailures {
  private readonly injected: { failure: InjectedEntryFailure; left: number }[] = [];

  add(failure: InjectedEntryFailure): void {
    this.injected.push({ failure, left: failure.times ?? 1 });
  }

  /** Whether this entry is to fail; uses up one of the failures it matches. */
  take(entry: PutEventsEntry): boolean {
    const found = this.injected.find(
      ({ failure, left }) =>
        left > 0 &&
        failure.detailType === entry.DetailType &&
        (failure.detailIncludes === undefined ||
          (entry.Detail ?? '').includes(failure.detailIncludes)),
    );
    if (found) found.left--;
    return found !== undefined;
  }
}
