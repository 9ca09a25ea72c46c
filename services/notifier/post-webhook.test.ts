import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { deliverWebhook } from './deliver-webhook';
import { fakeTime } from './fixtures';
import { postWebhook, USER_AGENT, type WebhookRequest } from './post-webhook';

interface Received {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

let server: Server | undefined;

afterEach(async () => {
  const open = server;
  server = undefined;
  if (open === undefined) return;
  open.closeAllConnections();
  await new Promise<void>((resolve, reject) =>
    open.close((error) => (error ? reject(error) : resolve())),
  );
});

/** A real receiver on a free loopback port; `answer` handles each request once its body is read. */
async function receiver(
  answer: (received: Received, response: ServerResponse) => void,
): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const listening = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry: Received = {
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(entry);
      answer(entry, response);
    });
  });
  server = listening;
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  const { port } = listening.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/T000/secret?token=abc`, received };
}

const body = JSON.stringify({ text: 'AMI available: ami-0123456789abcdef0 — déployée ✓' });

function webhook(url: string): WebhookRequest {
  return { url, headers: { 'Content-Type': 'application/json', 'X-Signature': 'v1=abc' }, body };
}

describe('postWebhook', () => {
  it('should POST the headers, content-length and body to the URL', async () => {
    // Prepare
    const { url, received } = await receiver((_received, response) => response.end());
    // Act
    const answer = await postWebhook(webhook(url), AbortSignal.timeout(5_000));
    // Assess
    expect(answer).toEqual({ status: 200, retryAfter: undefined });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      method: 'POST',
      url: '/hooks/T000/secret?token=abc',
      body,
      headers: expect.objectContaining({
        'content-type': 'application/json',
        'x-signature': 'v1=abc',
        'content-length': String(Buffer.byteLength(body, 'utf8')),
      }),
    });
    // Multi-byte characters: the length counts bytes, not UTF-16 units.
    expect(Buffer.byteLength(body, 'utf8')).toBeGreaterThan(body.length);
  });

  it('should return the status and the Retry-After header', async () => {
    const { url } = await receiver((_received, response) => {
      response.writeHead(429, { 'Retry-After': '7', 'Content-Type': 'text/plain' });
      response.end('slow down');
    });
    const answer = await postWebhook(webhook(url), AbortSignal.timeout(5_000));
    expect(answer).toEqual({ status: 429, retryAfter: '7' });
  });

  it('should name itself unless the request names its own user agent', async () => {
    const { url, received } = await receiver((_received, response) => response.end());
    await postWebhook(webhook(url), AbortSignal.timeout(5_000));
    const own = webhook(url);
    await postWebhook(
      { ...own, headers: { ...own.headers, 'User-Agent': 'custom/1.0' } },
      AbortSignal.timeout(5_000),
    );
    expect(received.map((request) => request.headers['user-agent'])).toEqual([
      USER_AGENT,
      'custom/1.0',
    ]);
  });

  it('should drain a large response body, freeing the connection', async () => {
    const size = 16 * 1024 * 1024;
    const ports: (number | undefined)[] = [];
    let finished = 0;
    const { url } = await receiver((_received, response) => {
      ports.push(response.socket?.remotePort);
      response.writeHead(503, { 'Content-Length': String(size) });
      response.on('finish', () => {
        finished++;
      });
      response.end(Buffer.alloc(size, 'x'));
    });
    const first = await postWebhook(webhook(url), AbortSignal.timeout(5_000));
    expect(first).toEqual({ status: 503, retryAfter: undefined });
    // Drained in the background: the receiver sees its whole body taken.
    await expect.poll(() => finished, { timeout: 5_000 }).toBe(1);
    // The next request reuses the drained keep-alive connection.
    await postWebhook(webhook(url), AbortSignal.timeout(5_000));
    expect(ports).toHaveLength(2);
    expect(ports[1]).toBe(ports[0]);
  });

  it('should reject with an AbortError when the signal aborts a request left unanswered', async () => {
    const { url } = await receiver(() => undefined);
    const signal = AbortSignal.timeout(50);
    const error = await postWebhook(webhook(url), signal).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect((error as Error).cause).toBe(signal.reason);
    expect(signal.reason).toMatchObject({ name: 'TimeoutError' });
  });

  it('should count a 2xx whose body then stalls as answered, so it is not sent twice', async () => {
    const { url } = await receiver((_received, response) => {
      response.writeHead(200, { 'Content-Length': '1000' });
      response.write('only the start');
    });
    const signal = AbortSignal.timeout(100);
    expect(await postWebhook(webhook(url), signal)).toEqual({ status: 200, retryAfter: undefined });
    // The timeout then aborts the drain; that error must not escape (vitest fails on one).
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(signal.aborted).toBe(true);
  });

  it('should count a 2xx whose body is cut short as answered', async () => {
    const { url } = await receiver((_received, response) => {
      response.writeHead(200, { 'Content-Length': '1000' });
      response.write('only the start', () => response.socket?.destroy());
    });
    expect(await postWebhook(webhook(url), AbortSignal.timeout(5_000))).toEqual({
      status: 200,
      retryAfter: undefined,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
  });

  it('should let deliverWebhook name an attempt left hanging a timeout', async () => {
    const { url, received } = await receiver(() => undefined);
    const started = performance.now();
    const result = await deliverWebhook(
      webhook(url),
      { timeoutMs: 50, retryBudgetMs: 0 },
      { ...fakeTime(), post: postWebhook },
    );
    expect(result).toEqual({ outcome: 'failed', attempts: 1, lastFailure: 'timeout' });
    expect(received).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('should reject with code ECONNREFUSED when nothing listens on the port', async () => {
    const { url } = await receiver(() => undefined);
    const open = server;
    server = undefined;
    await new Promise<void>((resolve) => open?.close(() => resolve()));
    const error = await postWebhook(webhook(url), AbortSignal.timeout(5_000)).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('should refuse a URL that is neither https: nor http:, without quoting it', async () => {
    const error = await postWebhook(
      webhook('ftp://files.example.com/hooks?token=secret'),
      AbortSignal.timeout(5_000),
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ERR_INVALID_PROTOCOL' });
    expect(String(error)).toMatch(/protocol "ftp:" is not supported/);
    expect(String(error)).not.toContain('files.example.com');
  });
});
