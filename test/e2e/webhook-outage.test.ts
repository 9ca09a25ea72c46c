import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../infra/local/timeline';
import { temporaryFolder } from '../tools';
import { eventually, startTestCloud, terminalEventsByName } from './local-cloud-client';

/** A webhook receiver (the `json` format) that can be down, or refuse everything, for a while. */
async function startReceiver() {
  const received: { eventId: string; detailType: string }[] = [];
  let answer = 200;
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (answer === 200) {
        received.push({
          eventId: String(request.headers['x-ami-lifecycle-event-id']),
          detailType: String(request.headers['x-ami-lifecycle-event-type']),
        });
      }
      response.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    answer: (status: number) => {
      answer = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** How many times each event id reached a receiver. */
function deliveriesById(receiver: Receiver): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { eventId } of receiver.received) counts.set(eventId, (counts.get(eventId) ?? 0) + 1);
  return counts;
}

const TERMINAL = ['AmiAvailable', 'AmiFailed'];
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function start(targets: Receiver[]) {
  const stateDir = temporaryFolder('e2e');
  const timeline: Omit<TimelineEntry, 'at'>[] = [];
  const system = await startTestCloud({
    stateDir,
    // A queue second is 1/600 of AWS's: 30 s of backoff is 50 ms, a 24-hour window 144 s.
    queueTimeScale: 1 / 600,
    webhookTargets: targets.map((target) => ({
      url: target.url,
      format: 'json',
      events: TERMINAL,
    })),
    // One invocation retries for 200 ms at most: the queue does the long waiting.
    settings: { webhookRetryBudgetMs: 200, webhookTimeoutMs: 1_000 },
    timeline: (entry) => timeline.push(entry),
  });
  stops.push(() => system.stop());
  return { system, stateDir, timeline };
}

describe('webhook notifications through the notifier queue', () => {
  // The bounds below only end a hung run: on a loaded machine the local cloud's functions are slow.
  it('should deliver every notification exactly once per target after a long outage of one', {
    timeout: 360_000,
  }, async () => {
    // Prepare: two receivers; the second is down from the start.
    const healthy = await startReceiver();
    const down = await startReceiver();
    stops.push(healthy.close, down.close);
    down.answer(503);
    const { system, timeline } = await start([healthy, down]);

    // Act: several AMIs are requested and end while the second receiver is down.
    const response = await system.createAmi({
      instance_name_list: ['service-api', 'service-worker', 'no-such-service'],
    });
    expect(response.status).toBe(202);
    const { requestId } = (await response.json()) as { requestId: string };
    const terminal = await eventually(
      async () => {
        const events = (await system.eventsOf(requestId)).filter((event) =>
          TERMINAL.includes(event['detail-type']),
        );
        return events.length === 3 ? events : undefined;
      },
      'three terminal events',
      120_000,
    );
    await eventually(
      async () => (healthy.received.length >= 3 ? true : undefined),
      'the healthy receiver to get all three',
      120_000,
    );
    // Longer than Lambda's three asynchronous attempts took: the down receiver refused each
    // notification many times, and they were handed back to the queue, not dropped.
    await eventually(
      async () => {
        const handedBack = timeline.filter((entry) => /back in the queue/.test(entry.text));
        return handedBack.length >= 3 * 4 ? true : undefined;
      },
      'notifications to be retried from the queue',
      120_000,
    );
    down.answer(200);

    // Assess: every notification reached each target exactly once.
    const ids = terminal.map((event) => event.id).sort();
    await eventually(
      async () => (down.received.length >= 3 ? true : undefined),
      'the recovered receiver to get all three',
      120_000,
    );
    await system.cloud.whenIdle();
    expect([...deliveriesById(healthy).keys()].sort()).toEqual(ids);
    expect([...deliveriesById(healthy).values()]).toEqual([1, 1, 1]);
    expect([...deliveriesById(down).keys()].sort()).toEqual(ids);
    expect([...deliveriesById(down).values()]).toEqual([1, 1, 1]);
    expect(await system.deadLetters()).toEqual([]);
    // The backbone invariant: each requested name ended in exactly one terminal event.
    const byName = terminalEventsByName(await system.eventsOf(requestId));
    expect(Object.fromEntries(byName)).toEqual({
      'service-api': ['AmiAvailable'],
      'service-worker': ['AmiAvailable'],
      'no-such-service': ['AmiFailed'],
    });
  });

  it('should report a webhook that refuses notifications (4xx) and still deliver to the others once', {
    timeout: 240_000,
  }, async () => {
    // Prepare: the second target's URL was revoked.
    const healthy = await startReceiver();
    const revoked = await startReceiver();
    stops.push(healthy.close, revoked.close);
    revoked.answer(410);
    const { system, stateDir, timeline } = await start([healthy, revoked]);

    // Act
    const response = await system.createAmi({ instance_name_list: ['service-api'] });
    const { requestId } = (await response.json()) as { requestId: string };
    const deadLetter = await eventually(
      async () => {
        const letters = await system.deadLetters();
        return letters.length > 0 ? letters : undefined;
      },
      'a dead letter',
      120_000,
    );
    await system.cloud.whenIdle();

    // Assess: dead-lettered with the reason, shown on the timeline, counted as a metric.
    const [available] = (await system.eventsOf(requestId)).filter(
      (event) => event['detail-type'] === 'AmiAvailable',
    );
    expect(deadLetter).toEqual([
      expect.objectContaining({
        event: expect.objectContaining({ id: available?.id }),
        error: expect.objectContaining({
          message: expect.stringMatching(/target 1 \(json\) rejected the webhook with HTTP 410/),
        }),
      }),
    ]);
    expect(timeline).toContainEqual({
      kind: 'dead-letter',
      text: expect.stringMatching(/AmiAvailable .* rejected the webhook with HTTP 410/),
    });
    const notifierLog = readFileSync(join(stateDir, 'logs', 'notifier.log'), 'utf8');
    expect(notifierLog).toMatch(/"WebhookRejected":1/);
    expect(notifierLog).not.toContain(revoked.url);
    // The healthy target got it once; the revoked one was asked once and never again.
    expect([...deliveriesById(healthy).entries()]).toEqual([[available?.id, 1]]);
    expect(timeline.filter((entry) => /back in the queue/.test(entry.text))).toEqual([]);
  });
});
