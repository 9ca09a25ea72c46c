import {
  createServer,
  globalAgent,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
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

/**
 * The connections node:http's shared agent (the one postWebhook uses) holds to `url`'s host and
 * port: `busy` while a request or its response is in flight, `free` once kept alive for reuse.
 */
function connectionsTo(url: string): { busy: number; free: number } {
  const prefix = `${new URL(url).host}:`;
  const count = (pool: NodeJS.ReadOnlyDict<unknown[]>) =>
    Object.entries(pool)
      .filter(([name]) => name.startsWith(prefix))
      .reduce((total, [, sockets]) => total + (sockets?.length ?? 0), 0);
  return { busy: count(globalAgent.sockets), free: count(globalAgent.freeSockets) };
}

/** Generous: only ends a test that hangs; a loaded machine still meets it. */
const SETTLE_MS = 20_000;

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
    // Prepare: a body far larger than the socket buffers, so draining takes many reads.
    const size = 16 * 1024 * 1024;
    const ports: (number | undefined)[] = [];
    const { url } = await receiver((_received, response) => {
      ports.push(response.socket?.remotePort);
      response.writeHead(503, { 'Content-Length': String(size) });
      response.end(Buffer.alloc(size, 'x'));
    });
    // Act
    const first = await postWebhook(webhook(url), AbortSignal.timeout(SETTLE_MS));
    // Assess: answered at the status, then drained in the background until the agent has the
    // connection back for reuse (until then a request would need a new one).
    expect(first).toEqual({ status: 503, retryAfter: undefined });
    await expect
      .poll(() => connectionsTo(url), { timeout: SETTLE_MS })
      .toEqual({ busy: 0, free: 1 });
    // The next request reuses the drained keep-alive connection: same client port.
    await postWebhook(webhook(url), AbortSignal.timeout(SETTLE_MS));
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
    const controller = new AbortController();
    expect(await postWebhook(webhook(url), controller.signal)).toEqual({
      status: 200,
      retryAfter: undefined,
    });
    // Aborting then ends the drain; that error must not escape (vitest fails on one). The agent
    // lets the connection go once the response has been destroyed.
    controller.abort();
    await expect
      .poll(() => connectionsTo(url), { timeout: SETTLE_MS })
      .toEqual({ busy: 0, free: 0 });
  });

  it('should count a 2xx whose body is cut short as answered', async () => {
    const { url } = await receiver((_received, response) => {
      response.writeHead(200, { 'Content-Length': '1000' });
      response.write('only the start', () => response.socket?.destroy());
    });
    expect(await postWebhook(webhook(url), AbortSignal.timeout(SETTLE_MS))).toEqual({
      status: 200,
      retryAfter: undefined,
    });
    // The cut reaches the drain as an error, which must not escape either.
    await expect
      .poll(() => connectionsTo(url), { timeout: SETTLE_MS })
      .toEqual({ busy: 0, free: 0 });
  });

  it('should let deliverWebhook name an attempt left hanging a timeout', async () => {
    const { url, received } = await receiver(() => undefined);
    // Long enough for the request to reach the receiver on a loaded machine before it is aborted.
    const result = await deliverWebhook(
      webhook(url),
      { timeoutMs: 1_000, retryBudgetMs: 0 },
      { ...fakeTime(), post: postWebhook },
    );
    expect(result).toEqual({ outcome: 'failed', attempts: 1, lastFailure: 'timeout' });
    expect(received).toHaveLength(1);
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
