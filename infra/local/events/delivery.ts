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

/** A failed attempt of a delivery that will be retried. */
export interface DeliveryRetry {
  readonly target: RuleTarget;
  readonly event: EventEnvelope;
  readonly error: { readonly code: string; readonly message: string };
  /** Attempts made so far, the failed one included. */
  readonly attempts: number;
}

export interface DeliveryOptions extends RetryTiming {
  readonly invoke: (target: RuleTarget, input: unknown, event: EventEnvelope) => Promise<void>;
  readonly onDeadLetter: (deadLetter: DeadLetter) => void;
  /** Told of every failed attempt that will be retried (e.g. to show it on a timeline). */
  readonly onRetry?: (retry: DeliveryRetry) => void;
  readonly now: () => Date;
  /** Told when a delivery ends, delivered or dead-lettered (e.g. to settle it in a journal). */
  readonly onSettled?: (deliveryId: string) => void;
  /**
   * At `close`, leave deliveries that have not ended as they are instead of dead-lettering them:
   * for a bus whose journal resumes them at the next start.
   */
  readonly keepPendingAtClose?: boolean;
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
  enqueue(target: RuleTarget, input: unknown, event: EventEnvelope, deliveryId?: string): void {
    this.pending++;
    void this.deliver(target, input, event)
      .then((settled) => {
        if (settled && deliveryId !== undefined) this.options.onSettled?.(deliveryId);
      })
      .finally(() => {
        this.pending--;
        if (this.pending === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
  }

  /** Resolves once every delivery has succeeded or been dead-lettered. */
  whenIdle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops retrying: deliveries waiting for a retry are dead-lettered now, with the reason, or kept
   * pending (`keepPendingAtClose`). Invocations under way get `graceMs` to end.
   */
  async close(graceMs = Number.POSITIVE_INFINITY): Promise<void> {
    this.shutdown.abort();
    let timer: NodeJS.Timeout | undefined;
    const grace = Number.isFinite(graceMs)
      ? new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        })
      : new Promise<void>(() => {});
    await Promise.race([this.whenIdle(), grace]);
    clearTimeout(timer);
  }

  /** Resolves true once the delivery ended (delivered or dead-lettered), false if left pending. */
  private async deliver(
    target: RuleTarget,
    input: unknown,
    event: EventEnvelope,
  ): Promise<boolean> {
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
        return true;
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
      // A failure caused by the stop itself (functions closing) is no verdict on the delivery.
      if (this.shutdown.signal.aborted && this.options.keepPendingAtClose) return false;
      if (exhausted || this.shutdown.signal.aborted) {
        this.deadLetter(target, event, failure, attempts);
        return true;
      }
      this.options.onRetry?.({
        target,
        event,
        error: { code: failure.code, message: failure.message },
        attempts,
      });
      if (!(await this.sleep(delay))) {
        if (this.options.keepPendingAtClose) return false;
        this.deadLetter(
          target,
          event,
          {
            code: 'Shutdown',
            message: `local cloud stopped before a retry (last error: ${failure.message})`,
          },
          attempts,
        );
        return true;
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
