import type { Clock } from '../shared/clock';
import type { PostWebhook, WebhookAnswer, WebhookRequest } from './post-webhook';
import { backoffDelay, parseRetryAfter } from './retry-delay';

export type { WebhookRequest } from './post-webhook';

export interface DeliveryPolicy {
  /** Limit of one attempt (`WEBHOOK_TIMEOUT_MS`). */
  readonly timeoutMs: number;
  /** Time after the first attempt within which retries may start (`WEBHOOK_RETRY_BUDGET_MS`). */
  readonly retryBudgetMs: number;
}

export interface DeliveryDeps {
  readonly post: PostWebhook;
  readonly sleep: (ms: number) => Promise<void>;
  readonly clock: Clock;
  readonly random: () => number;
}

export type DeliveryResult =
  /** The receiver answered 2xx. */
  | { readonly outcome: 'delivered'; readonly status: number; readonly attempts: number }
  /** The receiver refused the message (4xx other than 408/429): retrying would not help. */
  | { readonly outcome: 'rejected'; readonly status: number; readonly attempts: number }
  /** Still failing (network, timeout, 5xx, 429) when the retry budget ran out. */
  | { readonly outcome: 'failed'; readonly attempts: number; readonly lastFailure: string };

type Attempt =
  | { readonly kind: 'delivered' | 'rejected'; readonly status: number }
  | { readonly kind: 'retryable'; readonly failure: string; readonly retryAfterMs?: number };

/**
 * POSTs one webhook. Network errors, timeouts, 408, 429 and 5xx are retried with exponential
 * backoff and jitter, or after the receiver's `Retry-After`, as long as the next attempt would
 * start within `retryBudgetMs` of the first; so one delivery takes at most about
 * `retryBudgetMs + timeoutMs`. Never throws: the caller decides what a failure means.
 */
export async function deliverWebhook(
  request: WebhookRequest,
  policy: DeliveryPolicy,
  deps: DeliveryDeps,
): Promise<DeliveryResult> {
  const startedAt = deps.clock().getTime();
  for (let attempts = 1; ; attempts++) {
    const attempt = await attemptDelivery(request, policy.timeoutMs, deps);
    if (attempt.kind !== 'retryable') {
      return { outcome: attempt.kind, status: attempt.status, attempts };
    }
    const delay = attempt.retryAfterMs ?? backoffDelay(attempts, deps.random);
    const elapsed = deps.clock().getTime() - startedAt;
    if (elapsed + delay >= policy.retryBudgetMs) {
      return { outcome: 'failed', attempts, lastFailure: attempt.failure };
    }
    await deps.sleep(delay);
  }
}

async function attemptDelivery(
  request: WebhookRequest,
  timeoutMs: number,
  deps: DeliveryDeps,
): Promise<Attempt> {
  const signal = AbortSignal.timeout(timeoutMs);
  let answer: WebhookAnswer;
  try {
    answer = await deps.post(request, signal);
  } catch (error) {
    return { kind: 'retryable', failure: describeNetworkFailure(error, signal) };
  }

  const { status } = answer;
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(answer.retryAfter ?? null, deps.clock());
    return retryAfterMs === undefined
      ? { kind: 'retryable', failure: `HTTP ${status}` }
      : { kind: 'retryable', failure: `HTTP ${status}`, retryAfterMs };
  }
  return { kind: 'rejected', status };
}

/**
 * A name or code only: network error messages (and their causes') can quote the host or URL, and
 * webhook URLs are secrets.
 */
function describeNetworkFailure(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'timeout';
  if (!(error instanceof Error)) return 'network error';
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timeout';
  return codeOf(error) ?? codeOf(error.cause) ?? error.name;
}

function codeOf(value: unknown): string | undefined {
  return typeof value === 'object' &&
    value !== null &&
    'code' in value &&
    typeof value.code === 'string'
    ? value.code
    : undefined;
}
