import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../../infra/local/cloud';
import type { TimelineEntry } from '../../../infra/local/timeline';
import { eventually } from '../../e2e/local-cloud-client';
import { temporaryFolder } from '../../tools';
import { startHttpEndpoint } from './http-endpoint';

type Endpoint = Awaited<ReturnType<typeof startHttpEndpoint>>;

let cloud: LocalCloud;
let refusingSubscriber: Endpoint;
let userWebhook: Endpoint;
const timeline: Omit<TimelineEntry, 'at'>[] = [];

beforeAll(async () => {
  refusingSubscriber = await startHttpEndpoint({ status: 500 });
  userWebhook = await startHttpEndpoint({ status: 201, body: 'noted' });
  cloud = await startLocalCloud({
    apiPort: 0,
    awsPort: 0,
    stateDir: temporaryFolder('timeline'),
    bakeMs: 1_500,
    waitScale: 0.3 / 60,
    asyncRetryDelayMs: 200,
    // A day of event age is about 4 s here: a refused delivery is dead-lettered within it.
    deliveryRetry: { baseDelayMs: 10, maxDelayMs: 200, eventAgeScale: 0.00005 },
    subscribers: [refusingSubscriber.url],
    webhook: { url: userWebhook.url, format: 'json' },
    timeline: (entry) => timeline.push(entry),
  });
  const response = await fetch(cloud.createAmiUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instance_name_list: ['service-api'] }),
  });
  expect(response.status).toBe(202);
}, 120_000);

afterAll(async () => {
  await cloud?.stop();
  await refusingSubscriber?.close();
  await userWebhook?.close();
});

const linesMatching = (pattern: RegExp) => timeline.filter((entry) => pattern.test(entry.text));

describe('the timeline of a local cloud', () => {
  it('should show a refused HTTP delivery once when it is retried, and when it is dead-lettered', async () => {
    const deadLetter = await eventually(
      async () => linesMatching(/AmiAvailable .*dead-lettered by local-subscriber-1/)[0],
      'the dead letter of the refused delivery',
      120_000,
    );

    expect(deadLetter).toEqual({
      kind: 'dead-letter',
      text: expect.stringMatching(
        /^AmiAvailable from ami-lifecycle\.watcher \(.+\) dead-lettered by local-subscriber-1 after ([2-9]|\d{2,}) attempts: .*HTTP 500$/,
      ),
    });
    expect(linesMatching(/^delivery of AmiAvailable/)).toEqual([
      {
        kind: 'retry',
        text: 'delivery of AmiAvailable to local-subscriber-1 failed (HTTP 500), retrying',
      },
    ]);
  });

  it("should show each webhook on the way to the user's URL, with the status it answered", async () => {
    const line = await eventually(
      async () => linesMatching(/^AmiAvailable \(json\)/)[0],
      'the AmiAvailable webhook line',
      120_000,
    );

    expect(line).toEqual({
      kind: 'webhook',
      text: `AmiAvailable (json) → ${userWebhook.url} 201`,
    });
    expect(userWebhook.received).toContainEqual(
      expect.objectContaining({
        method: 'POST',
        path: '/hook?team=ops',
        headers: expect.objectContaining({ 'x-ami-lifecycle-event-type': 'AmiAvailable' }),
      }),
    );
  });
});
