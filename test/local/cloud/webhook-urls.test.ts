import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type LocalCloud,
  type LocalCloudOptions,
  startLocalCloud,
} from '../../../infra/local/cloud';
import type { TimelineEntry } from '../../../infra/local/timeline';
import { temporaryFolder } from '../../tools';
import { startHttpEndpoint } from './http-endpoint';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function start(stateDir: string, options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const cloud = await startLocalCloud({ apiPort: 0, awsPort: 0, stateDir, ...options });
  stops.push(() => cloud.stop());
  return cloud;
}

/** Starts, reads the URLs the notifier posts to, stops. */
async function webhookUrlsOfOneStart(stateDir: string, options: LocalCloudOptions = {}) {
  const cloud = await start(stateDir, options);
  const urls = cloud.webhookUrls;
  await stops.pop()?.();
  return urls;
}

// The notifier records each delivery under its target's URL, so that a notification retried
// after a restart skips the targets it reached. Those URLs must outlive the restart.
describe('the webhook URLs of a local cloud across a restart', () => {
  it('should keep the built-in sink at its URL', async () => {
    const stateDir = temporaryFolder('webhook-urls');
    const first = await webhookUrlsOfOneStart(stateDir);
    expect(first).toHaveLength(1);
    expect(await webhookUrlsOfOneStart(stateDir)).toEqual(first);
  });

  it("should keep the relay in front of each of the user's webhooks at its URL", async () => {
    const userWebhook = await startHttpEndpoint({ status: 200 });
    stops.push(() => userWebhook.close());
    const stateDir = temporaryFolder('webhook-urls');
    const options = {
      webhookTargets: [
        { url: userWebhook.url },
        { url: `${userWebhook.url}2` },
        { url: userWebhook.url },
      ],
    };
    const first = await webhookUrlsOfOneStart(stateDir, options);
    expect(first).toHaveLength(3);
    expect(new Set(first).size).toBe(3);
    expect(await webhookUrlsOfOneStart(stateDir, options)).toEqual(first);
  });

  it('should move to a free port, and say what that costs, when its port was taken meanwhile', async () => {
    // Prepare
    const stateDir = temporaryFolder('webhook-urls');
    const [url] = await webhookUrlsOfOneStart(stateDir);
    const squatter = createServer();
    await new Promise<void>((resolve) =>
      squatter.listen(Number(new URL(url ?? '').port), '127.0.0.1', resolve),
    );
    stops.push(() => new Promise((resolve) => squatter.close(() => resolve())));

    // Act
    const timeline: Omit<TimelineEntry, 'at'>[] = [];
    const cloud = await start(stateDir, { timeline: (entry) => timeline.push(entry) });

    // Assess
    expect(cloud.webhookUrls).toHaveLength(1);
    expect(cloud.webhookUrls[0]).not.toBe(url);
    expect(timeline.map((entry) => entry.text)).toContainEqual(
      expect.stringMatching(/port \d+ .*taken.*may be posted again/),
    );
  });
});
