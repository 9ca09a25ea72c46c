import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  /** `performance.now()` when the whole request had arrived. */
  readonly atMs: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

export interface WebhookReceiver {
  readonly url: string;
  /** Resolves with the first webhook, received or to come, whose body `matches`. */
  next(matches: (body: unknown) => boolean, timeoutMs: number): Promise<ReceivedWebhook>;
  /** Forgets the webhooks no one waited for, returning them. */
  drain(): ReceivedWebhook[];
  close(): Promise<void>;
}

interface Waiter {
  readonly matches: (body: unknown) => boolean;
  readonly deliver: (webhook: ReceivedWebhook) => void;
}

/**
 * A webhook endpoint in the bench process that timestamps each request on the same clock as the
 * sender, so the time from publishing an event to its webhook is read without polling.
 */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const waiters: Waiter[] = [];
  let unclaimed: ReceivedWebhook[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const webhook: ReceivedWebhook = {
        atMs: performance.now(),
        headers: request.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      };
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      const waiter = waiters.find((candidate) => candidate.matches(webhook.body));
      if (waiter) waiter.deliver(webhook);
      else unclaimed.push(webhook);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    next(matches, timeoutMs) {
      const index = unclaimed.findIndex((webhook) => matches(webhook.body));
      const [received] = index >= 0 ? unclaimed.splice(index, 1) : [];
      if (received) return Promise.resolve(received);
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          matches,
          deliver: (webhook) => {
            clearTimeout(timer);
            waiters.splice(waiters.indexOf(waiter), 1);
            resolve(webhook);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no matching webhook within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    drain() {
      const drained = unclaimed;
      unclaimed = [];
      return drained;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
