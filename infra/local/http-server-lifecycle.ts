import type { Server } from 'node:http';

/**
 * A client that sends headers or a body too slowly (or half of one and then nothing) is cut off
 * instead of holding a connection for node's default of five minutes; the requests beside it are
 * never affected either way, as each connection is served on its own.
 */
export function limitSlowClients(server: Server): void {
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
}

/**
 * Stops accepting connections, lets the requests under way finish for up to `graceMs`, then cuts
 * what is left (a client that never finishes its request, a response that never ends).
 */
export function closeDraining(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const cutOff = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(cutOff);
      resolve();
    });
    server.closeIdleConnections();
  });
}
