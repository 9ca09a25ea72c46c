import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, describe, expect, it } from 'vitest';
import type { Ec2Fixture } from '../../infra/local/ec2';
import { DEPLOY_REASON, TAG } from '../../services/shared/tags';
import { temporaryFolder } from '../tools';
import { type EventRecord, eventually, startTestCloud } from './local-cloud-client';

const DAY_MS = 86_400_000;
const NAME = 'restart-service';
const IMAGES = 200;
const CAP = 10;

function deployImage(ageDays: number, index: number) {
  const created = new Date(Date.now() - ageDays * DAY_MS - index * 60_000);
  const name = `${NAME}-Deploy-${created.toISOString().slice(0, 16).replace('T', '_').replace(':', '_')}-${index}`;
  return {
    imageId: `ami-${(0xb000000 + index).toString(16).padStart(17, '0')}`,
    name,
    creationDate: created.toISOString(),
    tags: { [TAG.name]: name, [TAG.reason]: DEPLOY_REASON, [TAG.instanceName]: NAME },
    snapshots: 1,
  };
}

const fixture: Ec2Fixture = {
  instances: [{ name: NAME }],
  images: [
    deployImage(0.5, 0),
    ...Array.from({ length: IMAGES }, (_, n) => deployImage(20 + n / 100, n + 1)),
  ],
};

const stateDir = temporaryFolder('e2e-restart');
// DeregisterImage slowed to about one a second (a bucket of 2), so the run is stopped mid-batch.
const options = {
  stateDir,
  fixture,
  settings: { maxDeletionsPerRun: CAP, deregisterRatePerSecond: 1 },
  throttling: { buckets: { DeregisterImage: { capacity: 2, refillPerSecond: 1 } } },
};
let system: Awaited<ReturnType<typeof startTestCloud>> | undefined;

afterAll(async () => {
  await system?.stop();
});

async function remaining(cloud: NonNullable<typeof system>): Promise<number> {
  let count = 0;
  let token: string | undefined;
  do {
    const page = await cloud.ec2.send(
      new DescribeImagesCommand({
        Owners: ['self'],
        Filters: [{ Name: `tag:${TAG.instanceName}`, Values: [NAME] }],
        MaxResults: 1000,
        NextToken: token,
      }),
    );
    count += page.Images?.length ?? 0;
    token = page.NextToken;
  } while (token);
  return count;
}

describe('a purge run stopped mid-batch, end to end over the local cloud', () => {
  it('should delete no more than the cap after a restart, and report each deletion once', {
    timeout: 240_000,
  }, async () => {
    // Prepare
    system = await startTestCloud(options);
    const requestId = 'restarted-run-1';
    await system.eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: system.cloud.eventBusName,
            Source: 'ops.cli',
            DetailType: 'AmiPurgeRequested',
            Detail: JSON.stringify({
              metadata: { schemaVersion: 1, requestId },
              data: { instanceName: NAME },
            }),
          },
        ],
      }),
    );

    // Act: stop the whole local cloud once a few images are gone, then start it again.
    const running = system;
    await eventually(
      async () => ((await remaining(running)) <= IMAGES + 1 - 3 ? true : undefined),
      'the first deletions',
      120_000,
    );
    await running.stop();
    system = await startTestCloud(options);
    const restarted = system;

    // Assess: the run resumed and ended; exactly the cap went, each reported once.
    const parts = await eventually(
      async () => {
        const byPart = new Map<number, EventRecord>();
        for (const event of await restarted.eventsOf(requestId)) {
          if (event['detail-type'] === 'AmiPurged')
            byPart.set(Number(event.detail.data.part), event);
        }
        const final = [...byPart.values()].find((event) => event.detail.data.final === true);
        if (final === undefined) return undefined;
        return byPart.size === Number(final.detail.data.part) ? [...byPart.values()] : undefined;
      },
      'the final AmiPurged part after the restart',
      180_000,
    );
    expect(IMAGES + 1 - (await remaining(restarted))).toBe(CAP);
    const reported = parts.flatMap((part) =>
      (part.detail.data.purged as { imageId: string }[]).map((entry) => entry.imageId),
    );
    expect(reported).toHaveLength(CAP);
    expect(new Set(reported).size).toBe(CAP);
  });
});
