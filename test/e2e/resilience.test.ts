import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestCloud, terminalEventsByName } from './local-cloud-client';

/** A webhook receiver that is down (503) until `recover()`, recording what it accepted. */
async function startFlakyReceiver() {
  let down = true;
  let refused = 0;
  const accepted: { 'detail-type': string; detail: { data: Record<string, unknown> } }[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (down) {
        refused += 1;
        response.writeHead(503).end('down for maintenance');
        return;
      }
      accepted.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    accepted,
    refused: () => refused,
    recover: () => {
      down = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let receiver: Awaited<ReturnType<typeof startFlakyReceiver>>;
let system: Awaited<ReturnType<typeof startTestCloud>>;

beforeAll(async () => {
  receiver = await startFlakyReceiver();
  system = await startTestCloud({
    webhook: { url: receiver.url, format: 'json' },
    // EC2's buckets shrunk to a few tokens with slow refills: most bursts get throttled.
    throttling: { capacityScale: 0.04, rateScale: 0.2 },
  });
}, 60_000);

afterAll(async () => {
  await system?.stop();
  await receiver?.close();
});

describe('resilience, end to end over HTTP', () => {
  it('should complete every name while EC2 throttles, and deliver webhooks once the endpoint is back', async () => {
    // Act
    const response = await system.createAmi({
      instance_name_list: ['service-api', 'service-worker', 'flaky-service'],
    });
    expect(response.status).toBe(202);
    const { requestId } = (await response.json()) as { requestId: string };

    // Assess: every name still ends in exactly one terminal event.
    const terminal = await eventually(
      async () => {
        const byName = terminalEventsByName(await system.eventsOf(requestId));
        return byName.size === 3 ? byName : undefined;
      },
      'three terminal events',
      45_000,
    );
    expect(terminal).toEqual(
      new Map([
        ['service-api', ['AmiAvailable']],
        ['service-worker', ['AmiAvailable']],
        ['flaky-service', ['AmiFailed']],
      ]),
    );
    const stats = (await (await fetch(`${system.cloud.awsEndpoint}/_local/ec2-stats`)).json()) as {
      throttled: Record<string, number>;
    };
    expect(Object.values(stats.throttled).reduce((sum, count) => sum + count, 0)).toBeGreaterThan(
      0,
    );

    // The webhook endpoint was down all along: deliveries were refused and retried.
    await eventually(
      async () => (receiver.refused() >= 3 ? true : undefined),
      'refused deliveries',
    );
    expect(receiver.accepted).toEqual([]);
    receiver.recover();
    const delivered = await eventually(
      async () => {
        const mine = receiver.accepted.filter(
          (event) =>
            event['detail-type'] !== 'AmiPurged' && event.detail.data.requestId === requestId,
        );
        return mine.length === 3 ? mine : undefined;
      },
      'the three notifications after recovery',
      45_000,
    );
    expect(delivered.map((event) => event['detail-type']).sort()).toEqual([
      'AmiAvailable',
      'AmiAvailable',
      'AmiFailed',
    ]);
    expect(await system.deadLetters()).toEqual([]);
  }, 120_000);
});
