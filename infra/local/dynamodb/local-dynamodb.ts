import { Agent, request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { LocalRequest, LocalResponse, LocalService } from '../protocol';
import type { LocalTableSpec } from '../template/local-template';
import { ensureTemplateTables } from './template-tables';

export interface LocalDynamoDbOptions {
  /** The LevelDB folder (`<stateDir>/dynamodb`); absent keeps every table in memory. */
  readonly path?: string;
  /** Created at start unless they exist. */
  readonly tables: readonly LocalTableSpec[];
  readonly region: string;
}

export interface LocalDynamoDb {
  /** Answers `X-Amz-Target: DynamoDB_20120810.*` requests of the local endpoint. */
  readonly service: LocalService;
  /** A client on dynalite itself, without retries, for Step Functions' DynamoDB Tasks. */
  readonly client: DynamoDBClient;
  /** Waits for dynalite's pending writes, then closes its LevelDB. */
  close(): Promise<void>;
}

export class LocalDynamoDbError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LocalDynamoDbError';
  }
}

/**
 * DynamoDB for the local cloud: dynalite (DynamoDB's API on LevelDB) listening on a loopback port
 * of its own, behind the single local endpoint. Proxying over a real socket, rather than calling
 * dynalite's request listener with hand-made request and response objects, uses dynalite only
 * through its public API (an HTTP server, and `close`, which waits for pending writes), so its
 * internals can change without breaking the local cloud.
 */
export async function startLocalDynamoDb(options: LocalDynamoDbOptions): Promise<LocalDynamoDb> {
  // dynalite throws an uncaught exception on the first request if its LevelDB cannot be opened,
  // e.g. while another local cloud holds the same state folder: find that out here, loudly.
  if (options.path) await checkStoreCanOpen(options.path);
  // Tables are ACTIVE at once: nothing here waits for CREATING like a deployment does.
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...pathOf(options),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const agent = new Agent({ keepAlive: true });
  const client = new DynamoDBClient({
    endpoint: url,
    region: options.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // A Step Functions Task makes one call; its state's Retry decides about another.
    maxAttempts: 1,
  });
  const close = async () => {
    client.destroy();
    agent.destroy();
    await new Promise<void>((resolve, reject) =>
      server.close((error?: Error) => (error ? reject(error) : resolve())),
    );
  };
  try {
    await ensureTemplateTables(client, options.tables);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    service: { handle: (request) => forward(request, port, agent) },
    client,
    close,
  };
}

function pathOf(options: LocalDynamoDbOptions): { path?: string } {
  return options.path ? { path: options.path } : {};
}

/** Opens and closes the LevelDB with the `level` that dynalite itself depends on. */
async function checkStoreCanOpen(path: string): Promise<void> {
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const { Level } = fromDynalite('level') as {
    Level: new (location: string) => { open(): Promise<void>; close(): Promise<void> };
  };
  const store = new Level(path);
  try {
    await store.open();
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    throw new LocalDynamoDbError(
      code === 'LEVEL_LOCKED'
        ? `${path} is in use by another process (is another local cloud running on this state folder?)`
        : `cannot open the DynamoDB store at ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  await store.close();
}

/** Hop-by-hop and length headers are the proxy's own; everything else goes to dynalite as sent. */
const NOT_FORWARDED = new Set(['host', 'connection', 'content-length', 'transfer-encoding']);
const ANSWERED_HEADERS = ['content-type', 'x-amzn-requestid', 'x-amz-crc32'];

function forward(request: LocalRequest, port: number, agent: Agent): Promise<LocalResponse> {
  const body = Buffer.from(request.body, 'utf8');
  const headers = Object.fromEntries(
    Object.entries(request.headers).filter(([name]) => !NOT_FORWARDED.has(name)),
  );
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: request.method,
        path: request.path,
        agent,
        headers: { ...headers, 'content-length': body.length },
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () =>
          resolve({
            statusCode: incoming.statusCode ?? 500,
            headers: Object.fromEntries(
              ANSWERED_HEADERS.flatMap((name) => {
                const value = incoming.headers[name];
                return typeof value === 'string' ? [[name, value]] : [];
              }),
            ),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
