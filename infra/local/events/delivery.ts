import type { DeadLetter, EventEnvelope, RuleTarget } from './model';
import { DEFAULT_RETRY_POLICY, TargetInvocationError } from './model';

/**
 * How retries are paced locally. AWS retries with exponential backoff for up to a day; the local
 * cloud keeps the shape (exponential, bounded by attempts and by event age) on a shorter clock.
 */
export interface RetryTiming {
  /** Delay before the first retry; doubles per retry. Default 50 ms. */
  readonly baseDelayMs?: number;
  /** Upper bound of one delay. Default 1,000 ms. */
  readonly maxDelayMs?: number;
  /** Multiplies `maximumEventAgeInSeconds` to get the local age budget. Default 0.01 (a day → 14 min). */
  readonly eventAgeScale?: number;
}

export interface DeliveryOptions extends RetryTiming {
  readonly invoke: (target: RuleTarget, input: unknown, event: EventEnvelope) => Promise<void>;
  readonly onDeadLetter: (deadLetter: DeadLetter) => void;
  readonly now: () => Date;
}

/** Runs target deliveries in the background, retrying each per its policy, then dead-lettering it. */
export class DeliveryQueue {
  private pending = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly shutdown = new AbortController();
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly eventAgeScale: number;

  constructor(private readonly options: DeliveryOptions) {
    this.baseDelayMs = options.baseDelayMs ?? 50;
    this.maxDelayMs = options.maxDelayMs ?? 1_000;
    this.eventAgeScale = options.eventAgeScale ?? 0.01;
  }

  /** `input` is what the target receives: the event, or its `input`/`inputPath` rendering. */
  enqueue(target: RuleTarget, input: unknown, event: EventEnvelope): void {
    this.pending++;
    void this.deliver(target, input, event).finally(() => {
      this.pending--;
      if (this.pending === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    });
  }

  /** Resolves once every delivery has succeeded or been dead-lettered. */
  whenIdle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops retrying: deliveries waiting for a retry are dead-lettered now, with the reason. */
  async close(): Promise<void> {
    this.shutdown.abort();
    await this.whenIdle();
  }

  private async deliver(target: RuleTarget, input: unknown, event: EventEnvelope): Promise<void> {
    const policy = target.retryPolicy ?? DEFAULT_RETRY_POLICY;
    // The age is counted from receipt: the envelope's `time` has whole seconds only, and an entry
    // may carry any Time.
    const deadline =
      this.options.now().getTime() + policy.maximumEventAgeInSeconds * 1_000 * this.eventAgeScale;
    let attempts = 0;
    for (;;) {
      attempts++;
      let failure: { code: string; message: string; retryable: boolean };
      try {
        await this.options.invoke(target, input, event);
        return;
      } catch (error) {
        failure =
          error instanceof TargetInvocationError
            ? { code: error.code, message: error.message, retryable: error.retryable }
            : {
                code: 'TargetError',
                message: String((error as Error)?.message ?? error),
                retryable: true,
              };
      }
      const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempts - 1));
      const exhausted =
        !failure.retryable ||
        attempts > policy.maximumRetryAttempts ||
        this.options.now().getTime() + delay > deadline;
      if (exhausted || this.shutdown.signal.aborted) {
        this.deadLetter(target, event, failure, attempts);
        return;
      }
      if (!(await this.sleep(delay))) {
        this.deadLetter(
          target,
          event,
          {
            code: 'Shutdown',
            message: `local cloud stopped before a retry (last error: ${failure.message})`,
          },
          attempts,
        );
        return;
      }
    }
  }

  private deadLetter(
    target: RuleTarget,
    event: EventEnvelope,
    error: { code: string; message: string },
    attempts: number,
  ): void {
    this.options.onDeadLetter({
      target,
      event,
      error: { code: error.code, message: error.message },
      attempts,
      deadLetteredAt: this.options.now().toISOString(),
    });
  }

  /** Resolves true after `ms`, or false as soon as the queue is closed. */
  private sleep(ms: number): Promise<boolean> {
    const signal = this.shutdown.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
