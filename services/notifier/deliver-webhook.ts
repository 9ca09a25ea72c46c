import type { Clock } from '../shared/clock';
import { backoffDelay, parseRetryAfter } from './retry-delay';

export interface WebhookRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface DeliveryPolicy {
  /** Limit of one attempt (`WEBHOOK_TIMEOUT_MS`). */
  readonly timeoutMs: number;
  /** Time after the first attempt within which retries may start (`WEBHOOK_RETRY_BUDGET_MS`). */
  readonly retryBudgetMs: number;
}

export interface DeliveryDeps {
  readonly fetch: typeof globalThis.fetch;
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
  let response: Response;
  try {
    response = await deps.fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return { kind: 'retryable', failure: describeNetworkFailure(error) };
  }
  // The body is not needed; releasing it frees the connection.
  await response.body?.cancel().catch(() => undefined);

  const { status } = response;
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), deps.clock());
    return retryAfterMs === undefined
      ? { kind: 'retryable', failure: `HTTP ${status}` }
      : { kind: 'retryable', failure: `HTTP ${status}`, retryAfterMs };
  }
  return { kind: 'rejected', status };
}

/**
 * A name or code only: fetch error messages and their causes can quote the host or URL, and
 * webhook URLs are secrets.
 */
function describeNetworkFailure(error: unknown): string {
  if (!(error instanceof Error)) return 'network error';
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timeout';
  const { cause } = error;
  if (
    typeof cause === 'object' &&
    cause !== null &&
    'code' in cause &&
    typeof cause.code === 'string'
  ) {
    return cause.code;
  }
  return error.name;
}
