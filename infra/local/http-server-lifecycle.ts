import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A client that sends headers or a body too slowly (or half of one and then nothing) is cut off
 * instead of holding a connection for node's default of five minutes; the requests beside it are
 * never affected either way, as each connection is served on its own.
 *
 * An idle connection is kept for a minute rather than node's five seconds. At five, a client that
 * reuses a connection idle for about that long (an SDK client between two polls) races the server
 * closing it, and reads ECONNRESET; a minute is longer than any pause between a client's calls.
 */
export function limitSlowClients(server: Server): void {
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 60_000;
}

/**
 * Stops accepting connections, lets the requests under way finish for up to `graceMs`, then cuts
 * what is left (a client that never finishes its request, a response that never ends).
 */
export function closeDraining(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const cutOff = setTimeout(() => server.closeAllConnections(), graceMs);
    // A connection whose answer ends while draining would be kept alive for a minute: it is
    // closed as soon as it is idle instead.
    const closeIdle = setInterval(() => server.closeIdleConnections(), 50);
    server.close(() => {
      clearTimeout(cutOff);
      clearInterval(closeIdle);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * Listens on `port` (0: any free one); if another process holds it (`EADDRINUSE`), on a free port
 * instead. Answers the port listened on.
 */
export async function listenPreferring(server: Server, host: string, port = 0): Promise<number> {
  const listen = (on: number) =>
    new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => reject(error);
      server.once('error', fail);
      server.listen(on, host, () => {
        server.off('error', fail);
        resolve();
      });
    });
  try {
    await listen(port);
  } catch (error) {
    if (port === 0 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    await listen(0);
  }
  return (server.address() as AddressInfo).port;
}
