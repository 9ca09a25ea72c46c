/** Monotonic time and waiting, injected so pacing is testable without real time passing. */
export interface Timer {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemTimer: Timer = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A client-side copy of EC2's token bucket for one API: calls are paced to the refill rate after
 * an initial burst, so the account's bucket is used fully without running into throttling.
 * Takes are served in order, one at a time.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    private readonly timer: Timer,
    initialTokens: number = capacity,
  ) {
    this.tokens = Math.min(initialTokens, capacity);
    this.refilledAt = timer.now();
  }

  /** Resolves when a token is available and consumed. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.takeInTurn());
    this.queue = turn;
    return turn;
  }

  /** After EC2 throttled a call its bucket is empty, whatever this copy believes. */
  drain(): void {
    this.refill();
    this.tokens = Math.min(this.tokens, 0);
  }

  private async takeInTurn(): Promise<void> {
    this.refill();
    if (this.tokens < 1) {
      await this.timer.sleep(((1 - this.tokens) / this.ratePerSecond) * 1000);
      this.refill();
    }
    this.tokens -= 1;
  }

  private refill(): void {
    const now = this.timer.now();
    this.tokens = Math.min(
      this.capacity,
      this.tokens + ((now - this.refilledAt) / 1000) * this.ratePerSecond,
    );
    this.refilledAt = now;
  }
}
