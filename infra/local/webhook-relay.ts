import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenPreferring } from './http-server-lifecycle';
import { type ReceivedWebhook, toReceivedWebhook } from './webhook-sink';

/** What the relay saw of one post: the webhook, and what the user's server answered. */
export interface RelayedWebhook {
  readonly webhook: ReceivedWebhook;
  readonly targetUrl: string;
  /** The user's status, or `unreachable` when no answer came (the notifier got a 502). */
  readonly outcome: number | 'unreachable';
}

export interface WebhookRelay {
  /** Where the notifier posts instead of the user's URL. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Stands between the notifier and a user's webhook URL so that the local cloud sees each post:
 * the request goes on unchanged, and the user's answer comes back unchanged, so the notifier's
 * retries behave as they would against the user's server itself.
 */
export async function startWebhookRelay(options: {
  readonly targetUrl: string;
  readonly host: string;
  /** The port to listen on if it is free (else any free one); default any. */
  readonly port?: number;
  readonly onRelayed: (relayed: RelayedWebhook) => void;
}): Promise<WebhookRelay> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const webhook = toReceivedWebhook(request, body.toString('utf8'));
      void relay(request, body, response, options.targetUrl).then((outcome) =>
        options.onRelayed({ webhook, targetUrl: options.targetUrl, outcome }),
      );
    });
  });
  const port = await listenPreferring(server, options.host, options.port);
  return {
    url: `http://${options.host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Headers that describe one connection or one encoding of the body, not the request: fetch sets
 * them anew for the next hop (and decodes a compressed answer, so its encoding no longer holds).
 */
const HOP_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'content-encoding',
]);

async function relay(
  request: IncomingMessage,
  body: Buffer,
  response: ServerResponse,
  targetUrl: string,
): Promise<number | 'unreachable'> {
  // A notifier that gives up (its own timeout) ends the post to the user's server too.
  const abandoned = new AbortController();
  response.on('close', () => abandoned.abort());
  let answer: { status: number; headers: Headers; body: Buffer };
  try {
    const reply = await fetch(targetUrl, {
      method: request.method ?? 'POST',
      headers: endToEndHeaders(Object.entries(request.headers)),
      ...(body.length > 0 ? { body } : {}),
      signal: abandoned.signal,
    });
    answer = {
      status: reply.status,
      headers: reply.headers,
      body: Buffer.from(await reply.arrayBuffer()),
    };
  } catch {
    response.writeHead(502, { 'content-type': 'text/plain' }).end(`${targetUrl} is unreachable`);
    return 'unreachable';
  }
  response.setHeaders(endToEndHeaders(answer.headers));
  response.writeHead(answer.status).end(answer.body);
  return answer.status;
}

function endToEndHeaders(headers: Iterable<[string, string | string[] | undefined]>): Headers {
  const kept = new Headers();
  for (const [name, value] of headers) {
    if (value === undefined || HOP_HEADERS.has(name.toLowerCase())) continue;
    for (const one of Array.isArray(value) ? value : [value]) kept.append(name, one);
  }
  return kept;
}
