import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  createEc2Service,
  type Ec2Service,
  type Ec2ServiceOptions,
} from '../../../infra/local/ec2';

/** A clock the test moves by hand. */
export interface TestClock {
  now(): number;
  advance(ms: number): void;
}

export function testClock(start = Date.parse('2025-06-05T12:00:00Z')): TestClock {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
  };
}

export interface RunningEc2 {
  service: Ec2Service;
  endpoint: string;
  /** The real SDK client, with retries off so a test sees every error the emulator answers. */
  client: EC2Client;
  clock: TestClock;
  close(): Promise<void>;
}

export const DUMMY_CREDENTIALS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

/** Serves the emulator over HTTP on a free loopback port, as the local cloud's endpoint does. */
export async function startEc2(options: Ec2ServiceOptions = {}): Promise<RunningEc2> {
  const clock = testClock();
  const service = createEc2Service({ now: clock.now, throttling: false, ...options });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers[name.toLowerCase()] = value;
      }
      service
        .handle({
          method: req.method ?? 'POST',
          path: req.url ?? '/',
          headers,
          body: Buffer.concat(chunks).toString('utf8'),
        })
        .then((response) => {
          res.writeHead(response.statusCode, response.headers);
          res.end(response.body);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new EC2Client({
    endpoint,
    region: 'us-east-1',
    credentials: DUMMY_CREDENTIALS,
    maxAttempts: 1,
  });
  return {
    service,
    endpoint,
    client,
    clock,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The error a client call rejects with (fails the test if it resolves). */
export async function errorOf(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata?: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
