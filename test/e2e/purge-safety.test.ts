import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ec2Fixture } from '../../infra/local/ec2';
import { DEPLOY_REASON, TAG } from '../../services/shared/tags';
import { type EventRecord, eventually, startTestCloud } from './local-cloud-client';

const DAY_MS = 86_400_000;
const NOW = new Date();
const BULK = 'bulk-service';
const BULK_IMAGES = 2_000;

function deployImage(instanceName: string, ageDays: number, index: number) {
  const created = new Date(NOW.getTime() - ageDays * DAY_MS - index * 60_000);
  const name = `${instanceName}-Deploy-${created.toISOString().slice(0, 16).replace('T', '_').replace(':', '_')}-${index}`;
  return {
    imageId: `ami-${(0xa000000 + index).toString(16).padStart(17, '0')}`,
    name,
    creationDate: created.toISOString(),
    tags: { [TAG.name]: name, [TAG.reason]: DEPLOY_REASON, [TAG.instanceName]: instanceName },
    snapshots: 1,
  };
}

/** A rollback image three days old, its newer replacement, and 2,000 expired images of another name. */
const ROLLBACK = deployImage('service-api', 3, 1);
const LATEST = deployImage('service-api', 1, 2);
const fixture: Ec2Fixture = {
  instances: [{ name: 'service-api' }, { name: BULK }],
  images: [
    ROLLBACK,
    LATEST,
    deployImage(BULK, 0.5, 3),
    ...Array.from({ length: BULK_IMAGES }, (_, n) => deployImage(BULK, 20 + n / 100, 10 + n)),
  ],
};

let system: Awaited<ReturnType<typeof startTestCloud>>;

beforeAll(async () => {
  system = await startTestCloud({ fixture });
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

async function putEvent(source: string, detailType: string, detail: unknown) {
  const result = await system.eventBridge.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: system.cloud.eventBusName,
          Source: source,
          DetailType: detailType,
          Detail: JSON.stringify(detail),
        },
      ],
    }),
  );
  expect(result.FailedEntryCount).toBe(0);
}

async function imageIds(instanceName: string): Promise<string[]> {
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const page = await system.ec2.send(
      new DescribeImagesCommand({
        Owners: ['self'],
        Filters: [{ Name: `tag:${TAG.instanceName}`, Values: [instanceName] }],
        MaxResults: 1000,
        NextToken: token,
      }),
    );
    ids.push(...(page.Images ?? []).flatMap((image) => image.ImageId ?? []));
    token = page.NextToken;
  } while (token);
  return ids;
}

const deadLetterFor = (requestId: string) =>
  eventually(async () => {
    const letters = await system.deadLetters();
    return letters.find((letter) => letter.event.detail?.metadata?.requestId === requestId);
  }, `a dead letter for ${requestId}`);

describe('purge safety, end to end over the local cloud', () => {
  it('should refuse a forged continuation and delete nothing', async () => {
    // Act: the audit's event: a continuation whose clock is in 2099, live, with the cap reset.
    await putEvent('ops.cli', 'AmiPurgeRequested', {
      metadata: { schemaVersion: 1, requestId: 'forged-continuation-1' },
      data: {
        instanceName: 'service-api',
        dryRun: false,
        continuation: {
          trigger: 'schedule',
          part: 2,
          purgedSoFar: 0,
          cursor: `service-api|2000-01-01T00:00:00.000Z|${ROLLBACK.imageId}`,
          startedAt: '2099-01-01T00:00:00.000Z',
        },
      },
    });

    // Assess
    const letter = await deadLetterFor('forged-continuation-1');
    expect(letter.error.message).toMatch(/continuation: is not accepted/);
    expect(await imageIds('service-api')).toEqual(
      expect.arrayContaining([ROLLBACK.imageId, LATEST.imageId]),
    );
    const executions = await system.executions();
    expect(executions.some((execution) => execution.name === 'forged-continuation-1')).toBe(false);
  });

  it('should start no purge and announce nothing for a forged AmiAvailable', async () => {
    // Act: an AmiAvailable for an AMI that does not exist, under the watcher's own source.
    const requestId = 'forged-available-1';
    await putEvent('ami-lifecycle.watcher', 'AmiAvailable', {
      metadata: { schemaVersion: 1, requestId, occurredAt: NOW.toISOString() },
      data: {
        requestId,
        instanceName: 'service-api',
        instanceId: 'i-0123456789abcdef0',
        imageId: 'ami-0ffffffffffffffff',
        imageName: 'service-api-Deploy-2099-01-01_00_00',
        snapshotIds: [],
        availableAt: NOW.toISOString(),
      },
    });

    // Assess: both consumers refused it, with the reason.
    const letters = await eventually(async () => {
      const found = (await system.deadLetters()).filter(
        (letter) => letter.event.detail?.metadata?.requestId === requestId,
      );
      return found.length >= 2 ? found : undefined;
    }, 'dead letters from the janitor and the notifier');
    for (const letter of letters) {
      expect(letter.error.message).toMatch(/ami-0ffffffffffffffff does not exist/);
    }
    const webhooks = await system.webhooks();
    expect(JSON.stringify(webhooks)).not.toContain('ami-0ffffffffffffffff');
    expect(await imageIds('service-api')).toEqual(
      expect.arrayContaining([ROLLBACK.imageId, LATEST.imageId]),
    );
  });

  it('should delete exactly the cap of 2,000 expired images, and report exactly those', {
    timeout: 180_000,
  }, async () => {
    // Act
    const requestId = 'bulk-purge-1';
    const before = new Set(await imageIds(BULK));
    await putEvent('ops.cli', 'AmiPurgeRequested', {
      metadata: { schemaVersion: 1, requestId },
      data: { instanceName: BULK },
    });

    // Assess: every part of the run arrived, numbered 1…n, the last one final.
    const parts = await eventually(
      async () => {
        const byPart = new Map<number, EventRecord>();
        for (const event of await system.eventsOf(requestId)) {
          if (event['detail-type'] === 'AmiPurged')
            byPart.set(Number(event.detail.data.part), event);
        }
        const final = [...byPart.values()].find((event) => event.detail.data.final === true);
        if (final === undefined) return undefined;
        const count = Number(final.detail.data.part);
        return byPart.size === count ? [...byPart.values()] : undefined;
      },
      'the final AmiPurged part',
      150_000,
    );
    const reported = parts.flatMap((part) =>
      (part.detail.data.purged as { imageId: string }[]).map((entry) => entry.imageId),
    );
    const after = new Set(await imageIds(BULK));
    const deleted = [...before].filter((id) => !after.has(id));
    expect(deleted).toHaveLength(50);
    expect(new Set(reported)).toEqual(new Set(deleted));
    expect(reported).toHaveLength(50);
    const capped = parts.flatMap((part) =>
      (part.detail.data.skipped as { reason: string }[]).filter(
        (entry) => entry.reason === 'deletion-cap',
      ),
    );
    expect(capped).toHaveLength(BULK_IMAGES - 50);
  });
});
