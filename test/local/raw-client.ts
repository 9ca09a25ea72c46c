// Test support for the local cloud's HTTP servers: clients no well-behaved library would be,
// speaking raw bytes over a loopback connection, and what a server promises a keep-alive client.
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface RawConnection {
  readonly socket: Socket;
  /** Writes bytes; resolves once they are handed to the operating system. */
  send(bytes: string | Uint8Array): Promise<void>;
  /** Everything the server has sent so far. */
  received(): string;
  /** Resolves once the connection is closed, by either side. */
  readonly closed: Promise<void>;
}

/** Opens a connection to the host and port of `url`. */
export async function openRaw(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  // A reset from the server is one way of closing; it must not fail the test by itself.
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    send: (bytes) =>
      new Promise((resolve, reject) =>
        socket.write(bytes, (error) => (error ? reject(error) : resolve())),
      ),
    received: () => Buffer.concat(chunks).toString('latin1'),
    closed,
  };
}

/**
 * Collects the process's unhandled rejections while it is active: one of them in a server is what
 * ends the local cloud's process (vitest reports them too, but not always during the test that
 * caused them).
 */
export function watchUnhandledRejections(): { readonly reasons: unknown[]; stop(): void } {
  const reasons: unknown[] = [];
  const listener = (reason: unknown) => reasons.push(reason);
  process.on('unhandledRejection', listener);
  return { reasons, stop: () => process.off('unhandledRejection', listener) };
}

/**
 * The idle time, in seconds, a server promises to keep a keep-alive connection open (its
 * `Keep-Alive: timeout=` answer to a POST of `body`), or undefined when it promises none.
 */
export async function keepAliveSeconds(
  url: string,
  headers: Record<string, string> = {},
  body = '{}',
): Promise<number | undefined> {
  const agent = new Agent({ keepAlive: true });
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      const sent = request(url, { method: 'POST', agent, headers }, (response) => {
        response.resume();
        response.on('end', () => resolve(String(response.headers['keep-alive'] ?? '')));
      });
      sent.on('error', reject);
      sent.end(body);
    });
    const seconds = /timeout=(\d+)/.exec(answer)?.[1];
    return seconds === undefined ? undefined : Number(seconds);
  } finally {
    agent.destroy();
  }
}
