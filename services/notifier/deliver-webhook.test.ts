import { describe, expect, it } from 'vitest';
import { deliverWebhook } from './deliver-webhook';
import { fakeFetch, fakeTime } from './fixtures';

const url = 'https://hooks.example.com/services/T000/B000/XXXX';
const request = { url, headers: { 'Content-Type': 'application/json' }, body: '{"a":1}' };
const policy = { timeoutMs: 5_000, retryBudgetMs: 20_000 };

const reply = (status: number, headers: Record<string, string> = {}) =>
  new Response(status === 204 ? null : 'body', { status, headers });

function networkError(code: string): Error {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });
}

describe('deliverWebhook', () => {
  it('should POST the body and headers once when the receiver accepts it', async () => {
    // Prepare
    const { fetch, requests } = fakeFetch({ [url]: [reply(200)] });
    const time = fakeTime();
    // Act
    const result = await deliverWebhook(request, policy, { ...time, fetch });
    // Assess
    expect(result).toEqual({ outcome: 'delivered', status: 200, attempts: 1 });
    expect(requests).toHaveLength(1);
    expect(requests[0]?.body).toBe('{"a":1}');
    expect(requests[0]?.headers['content-type']).toBe('application/json');
    expect(requests[0]?.signal).toBeInstanceOf(AbortSignal);
  });

  it('should retry 5xx, 429 and network errors with growing backoff, then succeed', async () => {
    const { fetch, requests } = fakeFetch({
      [url]: [reply(503), reply(429), networkError('ECONNRESET'), reply(502), reply(204)],
    });
    const time = fakeTime();
    const result = await deliverWebhook(request, policy, { ...time, fetch });
    expect(result).toEqual({ outcome: 'delivered', status: 204, attempts: 5 });
    expect(requests).toHaveLength(5);
    // Equal jitter with random() = 0.5: three quarters of 250, 500, 1000, 2000 ms.
    expect(time.sleeps).toEqual([188, 375, 750, 1_500]);
  });

  it('should wait the seconds a Retry-After header asks for', async () => {
    const { fetch } = fakeFetch({ [url]: [reply(429, { 'Retry-After': '7' }), reply(200)] });
    const time = fakeTime();
    await deliverWebhook(request, policy, { ...time, fetch });
    expect(time.sleeps).toEqual([7_000]);
  });

  it('should wait until the HTTP date a Retry-After header names', async () => {
    const { fetch } = fakeFetch({
      [url]: [reply(503, { 'Retry-After': 'Thu, 05 Jun 2025 12:04:17 GMT' }), reply(200)],
    });
    const time = fakeTime('2025-06-05T12:04:05.000Z');
    await deliverWebhook(request, policy, { ...time, fetch });
    expect(time.sleeps).toEqual([12_000]);
  });

  it('should give up when the retry budget is spent, reporting the last failure', async () => {
    const { fetch, requests } = fakeFetch({ [url]: Array.from({ length: 50 }, () => reply(500)) });
    const time = fakeTime();
    const result = await deliverWebhook(
      request,
      { ...policy, retryBudgetMs: 5_000 },
      { ...time, fetch },
    );
    expect(result).toEqual({ outcome: 'failed', attempts: 5, lastFailure: 'HTTP 500' });
    expect(requests).toHaveLength(5);
    expect(time.sleeps.reduce((total, ms) => total + ms, 0)).toBeLessThan(5_000);
  });

  it('should not wait for a Retry-After beyond the budget', async () => {
    const { fetch, requests } = fakeFetch({ [url]: [reply(429, { 'Retry-After': '60' })] });
    const time = fakeTime();
    const result = await deliverWebhook(request, policy, { ...time, fetch });
    expect(result).toEqual({ outcome: 'failed', attempts: 1, lastFailure: 'HTTP 429' });
    expect(requests).toHaveLength(1);
    expect(time.sleeps).toEqual([]);
  });

  it.each([400, 403, 404, 410])('should not retry a %s answer', async (status) => {
    const { fetch, requests } = fakeFetch({ [url]: [reply(status)] });
    const time = fakeTime();
    const result = await deliverWebhook(request, policy, { ...time, fetch });
    expect(result).toEqual({ outcome: 'rejected', status, attempts: 1 });
    expect(requests).toHaveLength(1);
  });

  it('should abort an attempt after the timeout and retry it', async () => {
    // The first attempt hangs until its signal aborts; the second answers at once.
    const hang = ({ signal }: { signal: AbortSignal | undefined }) =>
      new Promise<Response>((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason));
      });
    const { fetch, requests } = fakeFetch({ [url]: [hang, reply(200)] });
    const time = fakeTime();
    const started = performance.now();
    const result = await deliverWebhook(request, { ...policy, timeoutMs: 50 }, { ...time, fetch });
    expect(result).toEqual({ outcome: 'delivered', status: 200, attempts: 2 });
    expect(requests[0]?.signal?.aborted).toBe(true);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('should name a network failure by its code, never by its message', async () => {
    const { fetch } = fakeFetch({ [url]: [networkError('ENOTFOUND')] });
    const time = fakeTime();
    const result = await deliverWebhook(
      request,
      { ...policy, retryBudgetMs: 0 },
      { ...time, fetch },
    );
    expect(result).toEqual({ outcome: 'failed', attempts: 1, lastFailure: 'ENOTFOUND' });
  });
});
