import { describe, expect, it } from 'vitest';
import { deliverWebhook } from './deliver-webhook';
import { abortError, answer, fakePost, fakeTime, networkError } from './fixtures';
import type { WebhookAnswer } from './post-webhook';

const url = 'https://hooks.example.com/services/T000/B000/XXXX';
const request = { url, headers: { 'Content-Type': 'application/json' }, body: '{"a":1}' };
const policy = { timeoutMs: 5_000, retryBudgetMs: 20_000 };

describe('deliverWebhook', () => {
  it('should POST the body and headers once when the receiver accepts it', async () => {
    // Prepare
    const { post, requests } = fakePost({ [url]: [answer(200)] });
    const time = fakeTime();
    // Act
    const result = await deliverWebhook(request, policy, { ...time, post });
    // Assess
    expect(result).toEqual({ outcome: 'delivered', status: 200, attempts: 1 });
    expect(requests).toHaveLength(1);
    expect(requests[0]?.body).toBe('{"a":1}');
    expect(requests[0]?.headers['content-type']).toBe('application/json');
    expect(requests[0]?.signal).toBeInstanceOf(AbortSignal);
  });

  it('should retry 5xx, 429 and network errors with growing backoff, then succeed', async () => {
    const { post, requests } = fakePost({
      [url]: [answer(503), answer(429), networkError('ECONNRESET', url), answer(502), answer(204)],
    });
    const time = fakeTime();
    const result = await deliverWebhook(request, policy, { ...time, post });
    expect(result).toEqual({ outcome: 'delivered', status: 204, attempts: 5 });
    expect(requests).toHaveLength(5);
    // Equal jitter with random() = 0.5: three quarters of 250, 500, 1000, 2000 ms.
    expect(time.sleeps).toEqual([188, 375, 750, 1_500]);
  });

  it('should wait the seconds a Retry-After header asks for', async () => {
    const { post } = fakePost({ [url]: [answer(429, '7'), answer(200)] });
    const time = fakeTime();
    await deliverWebhook(request, policy, { ...time, post });
    expect(time.sleeps).toEqual([7_000]);
  });

  it('should wait until the HTTP date a Retry-After header names', async () => {
    const { post } = fakePost({
      [url]: [answer(503, 'Thu, 05 Jun 2025 12:04:17 GMT'), answer(200)],
    });
    const time = fakeTime('2025-06-05T12:04:05.000Z');
    await deliverWebhook(request, policy, { ...time, post });
    expect(time.sleeps).toEqual([12_000]);
  });

  it('should give up when the retry budget is spent, reporting the last failure', async () => {
    const { post, requests } = fakePost({ [url]: Array.from({ length: 50 }, () => answer(500)) });
    const time = fakeTime();
    const result = await deliverWebhook(
      request,
      { ...policy, retryBudgetMs: 5_000 },
      { ...time, post },
    );
    expect(result).toEqual({ outcome: 'failed', attempts: 5, lastFailure: 'HTTP 500' });
    expect(requests).toHaveLength(5);
    expect(time.sleeps.reduce((total, ms) => total + ms, 0)).toBeLessThan(5_000);
  });

  it('should not wait for a Retry-After beyond the budget', async () => {
    const { post, requests } = fakePost({ [url]: [answer(429, '60')] });
    const time = fakeTime();
    const result = await deliverWebhook(request, policy, { ...time, post });
    expect(result).toEqual({ outcome: 'failed', attempts: 1, lastFailure: 'HTTP 429' });
    expect(requests).toHaveLength(1);
    expect(time.sleeps).toEqual([]);
  });

  it.each([400, 403, 404, 410])('should not retry a %s answer', async (status) => {
    const { post, requests } = fakePost({ [url]: [answer(status)] });
    const time = fakeTime();
    const result = await deliverWebhook(request, policy, { ...time, post });
    expect(result).toEqual({ outcome: 'rejected', status, attempts: 1 });
    expect(requests).toHaveLength(1);
  });

  it('should abort an attempt after the timeout and retry it', async () => {
    // The first attempt hangs until its signal aborts; the second answers at once.
    const hang = ({ signal }: { signal: AbortSignal }) =>
      new Promise<WebhookAnswer>((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(abortError(signal)));
      });
    const { post, requests } = fakePost({ [url]: [hang, answer(200)] });
    const time = fakeTime();
    const started = performance.now();
    const result = await deliverWebhook(request, { ...policy, timeoutMs: 50 }, { ...time, post });
    expect(result).toEqual({ outcome: 'delivered', status: 200, attempts: 2 });
    expect(requests[0]?.signal.aborted).toBe(true);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('should name a network failure by its code, never by its message', async () => {
    const { post } = fakePost({ [url]: [networkError('ENOTFOUND', url)] });
    const time = fakeTime();
    const result = await deliverWebhook(
      request,
      { ...policy, retryBudgetMs: 0 },
      { ...time, post },
    );
    expect(result).toEqual({ outcome: 'failed', attempts: 1, lastFailure: 'ENOTFOUND' });
  });

  it('should report an attempt its signal aborted as a timeout', async () => {
    const hang = ({ signal }: { signal: AbortSignal }) =>
      new Promise<WebhookAnswer>((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(abortError(signal)));
      });
    const { post } = fakePost({ [url]: [hang] });
    const time = fakeTime();
    const result = await deliverWebhook(
      request,
      { timeoutMs: 20, retryBudgetMs: 0 },
      { ...time, post },
    );
    expect(result).toEqual({ outcome: 'failed', attempts: 1, lastFailure: 'timeout' });
  });

  it('should report a timeout when the signal aborted, whatever the error then says', async () => {
    const cut = ({ signal }: { signal: AbortSignal }) =>
      new Promise<WebhookAnswer>((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(networkError('ECONNRESET', url)));
      });
    const { post } = fakePost({ [url]: [cut] });
    const time = fakeTime();
    const result = await deliverWebhook(
      request,
      { timeoutMs: 20, retryBudgetMs: 0 },
      { ...time, post },
    );
    expect(result).toEqual({ outcome: 'failed', attempts: 1, lastFailure: 'timeout' });
  });

  it.each([
    ['a code on the error', networkError('ECONNREFUSED', url), 'ECONNREFUSED'],
    [
      'a code on its cause',
      new Error(`request to ${url} failed`, {
        cause: Object.assign(new Error(`connect ECONNRESET ${url}`), { code: 'ECONNRESET' }),
      }),
      'ECONNRESET',
    ],
    ['no code at all', new TypeError(`cannot post to ${url}`), 'TypeError'],
    ['a TimeoutError', new DOMException(`timed out posting to ${url}`, 'TimeoutError'), 'timeout'],
    ['an AbortError', new DOMException(`aborted posting to ${url}`, 'AbortError'), 'timeout'],
  ])('should name a failure with %s without quoting its message', async (_name, error, failure) => {
    const { post } = fakePost({ [url]: [error] });
    const time = fakeTime();
    const result = await deliverWebhook(
      request,
      { ...policy, retryBudgetMs: 0 },
      { ...time, post },
    );
    expect(result).toEqual({ outcome: 'failed', attempts: 1, lastFailure: failure });
  });
});
