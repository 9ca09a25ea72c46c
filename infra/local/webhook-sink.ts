import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
} from 'node:http';
import { listenPreferring } from './http-server-lifecycle';

export interface ReceivedWebhook {
  readonly receivedAt: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  readonly body: unknown;
}

export interface WebhookSink {
  readonly url: string;
  readonly received: readonly ReceivedWebhook[];
  /** Answer `status` (e.g. 503) to the next `count` deliveries, as a failing endpoint would. */
  failNext(count: number, status?: number): void;
  close(): Promise<void>;
}

/**
 * The local cloud's built-in webhook endpoint: records every notification (the timeline prints
 * them) and can play an endpoint that is down for a while. `GET /` lists what it received.
 */
export async function startWebhookSink(
  options: {
    /** The port to listen on if it is free (else any free one); default any. */
    port?: number;
    host?: string;
    onReceive?: (webhook: ReceivedWebhook) => void;
  } = {},
): Promise<WebhookSink> {
  const received: ReceivedWebhook[] = [];
  let failures = { remaining: 0, status: 503 };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method === 'GET') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(received));
        return;
      }
      if (failures.remaining > 0) {
        failures = { ...failures, remaining: failures.remaining - 1 };
        response.writeHead(failures.status, { 'content-type': 'text/plain' });
        response.end('unavailable');
        return;
      }
      const webhook = toReceivedWebhook(request, Buffer.concat(chunks).toString('utf8'));
      received.push(webhook);
      options.onReceive?.(webhook);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"ok":true}');
    });
  });
  const host = options.host ?? '127.0.0.1';
  const port = await listenPreferring(server, host, options.port);
  return {
    url: `http://${host}:${port}/webhook`,
    received,
    failNext(count, status = 503) {
      failures = { remaining: count, status };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A webhook as it arrived: the body parsed as JSON when it is JSON. */
export function toReceivedWebhook(request: IncomingMessage, text: string): ReceivedWebhook {
  return {
    receivedAt: new Date().toISOString(),
    path: request.url ?? '/',
    headers: request.headers,
    body: parseJson(text),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
