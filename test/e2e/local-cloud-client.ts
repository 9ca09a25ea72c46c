import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from '../../infra/local/cloud';
import { temporaryFolder } from '../tools';

export interface EventRecord {
  id: string;
  source: string;
  'detail-type': string;
  detail: { metadata: { requestId: string }; data: Record<string, unknown> };
}

/**
 * A local cloud for one test file, driven only over HTTP: the API, the AWS endpoint (with the
 * SDK's own clients) and the local inspection paths. Ports are free ones; state is in a new
 * temporary folder.
 */
export async function startTestCloud(options: LocalCloudOptions = {}) {
  const subscriber = await startSubscriber();
  const cloud: LocalCloud = await startLocalCloud({
    apiPort: 0,
    awsPort: 0,
    stateDir: temporaryFolder('e2e'),
    // An image is pending for 0.6 s and the watcher's 60 s waits take 0.3 s: the watcher usually
    // finds an image pending before it is available, and no test waits longer than it must.
    bakeMs: 600,
    waitScale: 0.3 / 60,
    asyncRetryDelayMs: 200,
    deliveryRetry: { baseDelayMs: 50, maxDelayMs: 500 },
    subscribers: [subscriber.url],
    ...options,
  });
  const clientConfig = {
    endpoint: cloud.awsEndpoint,
    region: cloud.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  const local = async <T>(path: string): Promise<T> =>
    (await (await fetch(`${cloud.awsEndpoint}/_local/${path}`)).json()) as T;

  return {
    cloud,
    subscriber,
    ec2: new EC2Client(clientConfig),
    eventBridge: new EventBridgeClient(clientConfig),
    sfn: new SFNClient(clientConfig),
    createAmi: (body: unknown, contentType = 'application/json') =>
      fetch(cloud.createAmiUrl, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    events: () => local<EventRecord[]>('events'),
    deadLetters: () =>
      local<{ event: EventRecord; error: { code: string; message: string } }[]>('dead-letters'),
    webhooks: () => local<{ body: unknown; headers: Record<string, string> }[]>('webhooks'),
    executions: () => local<{ name: string; status: string }[]>('executions'),
    /** The events of one request. */
    async eventsOf(requestId: string) {
      return (await this.events()).filter(
        (event) => event.detail.metadata?.requestId === requestId,
      );
    },
    async stop() {
      await cloud.stop();
      await subscriber.close();
    },
  };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Each requested name must end in exactly one terminal event: AmiAvailable or AmiFailed. */
export function terminalEventsByName(events: readonly EventRecord[]): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const event of events) {
    if (event['detail-type'] !== 'AmiAvailable' && event['detail-type'] !== 'AmiFailed') continue;
    const name = String(event.detail.data.instanceName);
    byName.set(name, [...(byName.get(name) ?? []), event['detail-type']]);
  }
  return byName;
}

/** An HTTP endpoint subscribed to AmiAvailable, recording what it receives. */
async function startSubscriber() {
  const received: EventRecord[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as EventRecord);
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/ami-available`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
