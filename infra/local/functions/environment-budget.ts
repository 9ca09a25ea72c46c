/** What the budget needs of a function: to give back an idle environment, to wake a waiter. */
export interface BudgetedFunction {
  /** Stops one of its idle environments, if it has one; true when it did. */
  reclaimIdle(): boolean;
  /** Wakes the first invocation waiting for an environment, if any; true when there was one. */
  wakeWaiter(): boolean;
}

/**
 * How many execution environments the functions of one local cloud may hold at once, all
 * functions together. Lambda gives each function its own environments without a thought for
 * the machine; here each is a worker thread with its own heap, so a burst that would warm ten
 * environments per function is served by a few instead: an invocation that finds none idle and
 * no room left takes an idle environment of another function (a cold start, as when Lambda
 * reclaims one), or waits for one to be free.
 */
export class EnvironmentBudget {
  private used = 0;
  private readonly functions: BudgetedFunction[] = [];
  private nextToWake = 0;
  /** While `take` reclaims an environment, its room is for the taker, not for a waiter. */
  private reclaiming = false;

  constructor(readonly maxEnvironments: number) {
    if (!Number.isInteger(maxEnvironments) || maxEnvironments < 1) {
      throw new Error(
        `maxEnvironments must be a whole number of at least 1, got ${maxEnvironments}`,
      );
    }
  }

  /** Environments held now, by all functions. */
  get inUse(): number {
    return this.used;
  }

  register(fn: BudgetedFunction): void {
    this.functions.push(fn);
  }

  unregister(fn: BudgetedFunction): void {
    const index = this.functions.indexOf(fn);
    if (index >= 0) this.functions.splice(index, 1);
  }

  /** Room for one more environment of `requester`: free, or made by reclaiming an idle one. */
  take(requester: BudgetedFunction): boolean {
    if (this.used < this.maxEnvironments) {
      this.used += 1;
      return true;
    }
    this.reclaiming = true;
    try {
      for (const fn of this.functions) {
        // Reclaiming releases its room (see `release`), which is then taken at once.
        if (fn !== requester && fn.reclaimIdle() && this.used < this.maxEnvironments) {
          this.used += 1;
          return true;
        }
      }
      return false;
    } finally {
      this.reclaiming = false;
    }
  }

  /** An environment stopped: its room goes to a function that waits, in turn. */
  release(): void {
    this.used = Math.max(0, this.used - 1);
    if (!this.reclaiming) this.wakeOne();
  }

  /** An environment became idle and its own function has nobody waiting: another may take it. */
  idle(): void {
    if (this.used >= this.maxEnvironments) this.wakeOne();
  }

  private wakeOne(): void {
    for (let tried = 0; tried < this.functions.length; tried += 1) {
      const fn = this.functions[(this.nextToWake + tried) % this.functions.length];
      if (fn?.wakeWaiter()) {
        this.nextToWake = (this.nextToWake + tried + 1) % this.functions.length;
        return;
      }
    }
  }
}
