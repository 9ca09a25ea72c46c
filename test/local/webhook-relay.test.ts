import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openWebhookPorts } from '../../infra/local/cloud/webhook-ports';
import { startWebhookRelays } from '../../infra/local/cloud/webhooks';
import type { TimelineEntry } from '../../infra/local/timeline';
import { type RelayedWebhook, startWebhookRelay } from '../../infra/local/webhook-relay';
import { temporaryFolder } from '../tools';
import { startHttpEndpoint } from './cloud/http-endpoint';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function endpoint(answer: { status: number; body?: string }) {
  const started = await startHttpEndpoint(answer);
  stops.push(started.close);
  return started;
}

async function relayTo(targetUrl: string) {
  const relayed: RelayedWebhook[] = [];
  const relay = await startWebhookRelay({
    targetUrl,
    host: '127.0.0.1',
    onRelayed: (one) => relayed.push(one),
  });
  stops.push(relay.close);
  return { relay, relayed };
}

describe('the webhook relay', () => {
  it("should pass the notifier's request on unchanged and hand the user's answer back unchanged", async () => {
    const user = await endpoint({ status: 429, body: 'slow down' });
    const { relay, relayed } = await relayTo(user.url);

    const answer = await fetch(relay.url, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-signature': 'abc' },
      body: '{"text":"AMI ready"}',
    });

    expect(answer.status).toBe(429);
    expect(await answer.text()).toBe('slow down');
    expect(answer.headers.get('content-type')).toBe('text/plain');
    expect(user.received).toEqual([
      expect.objectContaining({
        method: 'PUT',
        path: '/hook?team=ops',
        headers: expect.objectContaining({
          'content-type': 'application/json',
          'x-signature': 'abc',
        }),
        body: '{"text":"AMI ready"}',
      }),
    ]);
    expect(relayed).toEqual([
      expect.objectContaining({
        targetUrl: user.url,
        outcome: 429,
        webhook: expect.objectContaining({ body: { text: 'AMI ready' } }),
      }),
    ]);
  });

  it("should answer 502 when the user's server cannot be reached", async () => {
    const gone = await startHttpEndpoint({ status: 200 });
    await gone.close();
    const { relay, relayed } = await relayTo(gone.url);

    const answer = await fetch(relay.url, { method: 'POST', body: 'hello' });

    expect(answer.status).toBe(502);
    expect(relayed).toEqual([expect.objectContaining({ outcome: 'unreachable' })]);
  });
});

describe("the local cloud's webhook relays", () => {
  it('should relay each webhook target, keeping its format and events, and show each post', async () => {
    const first = await endpoint({ status: 200 });
    const second = await endpoint({ status: 410 });
    const timeline: Omit<TimelineEntry, 'at'>[] = [];
    const { relayed, relays } = await startWebhookRelays(
      {
        webhookTargets: [
          { url: first.url, format: 'json', events: ['AmiAvailable'] },
          { url: second.url, format: 'slack' },
        ],
      },
      '127.0.0.1',
      (entry) => timeline.push(entry),
      openWebhookPorts(join(temporaryFolder('webhook-ports'), 'webhook-ports.json')),
    );
    for (const relay of relays) stops.push(relay.close);

    const [toFirst, toSecond] = relayed.webhookTargets ?? [];
    await fetch(toFirst?.url ?? '', { method: 'POST', body: '{"detail-type":"AmiAvailable"}' });
    await fetch(toSecond?.url ?? '', { method: 'POST', body: '{"text":"AMI purge"}' });

    expect(relayed.webhookTargets).toEqual([
      { url: relays[0]?.url, format: 'json', events: ['AmiAvailable'] },
      { url: relays[1]?.url, format: 'slack' },
    ]);
    expect(first.received).toHaveLength(1);
    expect(second.received).toHaveLength(1);
    await expect
      .poll(() => timeline)
      .toEqual([
        { kind: 'webhook', text: `AmiAvailable (json) → ${first.url} 200` },
        { kind: 'webhook', text: `AMI purge → ${second.url} 410` },
      ]);
  });
});
