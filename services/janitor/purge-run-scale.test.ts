import {
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AmiPurgedV1Detail } from '../../events/ami-purged.v1';
import { deployImage, FakeEc2Account, nextId } from './ec2-account.fake';
import {
  acceptAllEvents,
  clients,
  delivered,
  FakeTime,
  janitor,
  lambdaContext,
  publishedEntries,
  purgedParts,
  purgeRequestedEvent,
  scheduledEvent,
} from './janitor.fixtures';

const ec2Mock = mockClient(EC2Client);
const eventBridgeMock = mockClient(EventBridgeClient);
const { ec2, eventBridge } = clients();
const DAY_MS = 86_400_000;
let account: FakeEc2Account;
let time: FakeTime;

beforeEach(() => {
  ec2Mock.reset();
  eventBridgeMock.reset();
  account = new FakeEc2Account();
  account.install(ec2Mock);
  acceptAllEvents(eventBridgeMock);
  time = new FakeTime();
});

/** `count` expired images spread over `names` instance names, plus the newest of each name. */
function seedExpired(count: number, names: number) {
  const expired = Array.from({ length: count }, (_, index) =>
    deployImage({ instanceName: `service-${index % names}`, ageDays: 15 + (index % 300) / 10 }),
  );
  const newest = Array.from({ length: names }, (_, index) =>
    deployImage({ instanceName: `service-${index}`, ageDays: 1 }),
  );
  account.images = [...expired, ...newest];
  return expired;
}

describe('janitor across invocations', () => {
  it('should stop before its time budget, continue in the next invocation, and skip or repeat nothing', async () => {
    // Prepare: 60 expired images over 3 names; part 1 has 5 s of budget beyond the margin.
    const expired = seedExpired(60, 3);
    const inUse = expired[7];
    account.instances = [
      { instanceId: 'i-0bbbbbbbbbbbbbbb1', imageId: inUse?.ImageId ?? '', state: 'running' },
    ];
    // Not expired when the run starts; the run must not change its mind as its clock moves on.
    const almostExpired = deployImage({ instanceName: 'service-1', ageDays: 13.99 });
    account.images.push(almostExpired);
    const config = {
      deregisterBurst: 5,
      deregisterRatePerSecond: 5,
      timeBudgetMarginMs: 30_000,
      maxDeletionsPerRun: 1_000,
    };
    const { handler } = janitor(ec2, eventBridge, time, config);

    // Act: invoke as EventBridge would, delivering each continuation the janitor publishes.
    const results = [await handler(scheduledEvent(), lambdaContext(time, 35_000))];
    for (let seen = 0; results.length < 10; ) {
      const entries = publishedEntries(eventBridgeMock).slice(seen);
      seen += entries.length;
      const continuation = entries.find((entry) => entry.detailType === 'AmiPurgeRequested');
      if (continuation === undefined) break;
      time.wallOffsetMs += DAY_MS; // a day passes between invocations, to prove the run's clock
      results.push(await handler(delivered(continuation), lambdaContext(time, 35_000)));
    }

    // Assess
    expect(results.length).toBeGreaterThanOrEqual(3);
    expect(results.slice(0, -1).every((result) => result.continued)).toBe(true);
    expect(results.at(-1)?.continued).toBe(false);
    const expected = expired.filter((image) => image !== inUse).map((image) => image.ImageId);
    expect(account.deregistered).toHaveLength(new Set(account.deregistered).size);
    expect(new Set(account.deregistered)).toEqual(new Set(expected));
    const parts = purgedParts(eventBridgeMock);
    expect(parts.map((part) => part.data.part)).toEqual(parts.map((_, index) => index + 1));
    expect(parts.map((part) => part.data.final)).toEqual(
      parts.map((_, i) => i === parts.length - 1),
    );
    expect(new Set(parts.map((part) => part.data.runId)).size).toBe(1);
    const reported = parts.flatMap((part) => [...part.data.purged, ...part.data.skipped]);
    expect(reported.map((entry) => entry.imageId).sort()).toEqual(
      [...expected, inUse?.ImageId].sort(),
    );
    expect(reported.find((entry) => entry.imageId === inUse?.ImageId)).toMatchObject({
      reason: 'in-use-by-instance',
    });
    expect(account.images).toContain(almostExpired);
  });

  it('should resume strictly after the cursor: images before it and the one it names stay untouched', async () => {
    const [oldest, middle, newer] = [40, 30, 20].map((ageDays) =>
      deployImage({ instanceName: 'service-0', ageDays }),
    );
    account.images = [
      oldest,
      middle,
      newer,
      deployImage({ instanceName: 'service-0', ageDays: 1 }),
    ].flatMap((image) => (image ? [image] : []));
    // The previous part decided `middle` (e.g. it failed there) and stopped.
    const cursor = `service-0|${middle?.CreationDate}|${middle?.ImageId}`;
    const { handler } = janitor(ec2, eventBridge, time);

    await handler(
      delivered({
        source: 'ami-lifecycle.janitor',
        detailType: 'AmiPurgeRequested',
        detail: {
          metadata: { schemaVersion: 1, requestId: 'schedule-run-1' },
          data: {
            dryRun: false,
            continuation: {
              trigger: 'schedule',
              part: 2,
              purgedSoFar: 1,
              cursor,
              startedAt: '2025-06-20T03:00:00.000Z',
            },
          },
        },
        bytes: 0,
      }),
      lambdaContext(time),
    );

    expect(account.deregistered).toEqual([newer?.ImageId]);
    expect(purgedParts(eventBridgeMock)[0]?.data).toMatchObject({
      part: 2,
      skipped: [],
      failed: [],
    });
  });

  it('should carry the cap across parts with purgedSoFar', async () => {
    seedExpired(10, 1);
    const { handler } = janitor(ec2, eventBridge, time, { maxDeletionsPerRun: 5 });

    await handler(
      purgeRequestedEvent(
        {
          continuation: {
            trigger: 'schedule',
            part: 2,
            purgedSoFar: 3,
            cursor: 'service-0|2000-01-01T00:00:00.000Z|ami-00000000000000000',
            startedAt: '2025-06-20T03:00:00.000Z',
          },
        },
        'schedule-run-1',
        'ami-lifecycle.janitor',
      ),
      lambdaContext(time),
    );

    expect(account.deregistered).toHaveLength(2);
    const [part] = purgedParts(eventBridgeMock);
    expect(part?.data).toMatchObject({
      part: 2,
      final: true,
      capReached: true,
      trigger: 'schedule',
    });
    expect(part?.data.skipped.filter((entry) => entry.reason === 'deletion-cap')).toHaveLength(8);
  });
});

describe('janitor at scale', () => {
  it('should need a handful of Describe calls for 2,500 images: pages, not images', async () => {
    seedExpired(2_495, 5);
    account.instances = Array.from({ length: 40 }, (_, index) => ({
      instanceId: nextId('i'),
      imageId: account.images[index * 50]?.ImageId ?? '',
      state: 'running',
    }));
    const { handler } = janitor(ec2, eventBridge, time, {
      dryRun: true,
      maxDeletionsPerRun: 10_000,
    });

    const result = await handler(scheduledEvent(), lambdaContext(time));

    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeImagesCommand, 3);
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeInstancesCommand, 1);
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeLaunchTemplateVersionsCommand, 1);
    expect(result.purged + result.skipped).toBe(2_495);
    expect(result.skipped).toBe(40);
  });

  it('should fall back to image-id batches when the account has more instances than that saves', async () => {
    seedExpired(300, 1);
    account.instances = Array.from({ length: 1_500 }, () => ({
      instanceId: nextId('i'),
      imageId: 'ami-0fffffffffffffff0',
      state: 'running',
    }));
    account.instances.push({
      instanceId: 'i-0ccccccccccccccc1',
      imageId: account.images[250]?.ImageId ?? '',
      state: 'stopped',
    });
    const { handler } = janitor(ec2, eventBridge, time, {
      dryRun: true,
      maxDeletionsPerRun: 1_000,
    });

    const result = await handler(scheduledEvent(), lambdaContext(time));

    // One page of the full listing (not enough), then two batches of 200 image ids.
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeInstancesCommand, 3);
    expect(result.skipped).toBe(1);
  });

  it('should split a report larger than an EventBridge entry into consecutive parts', async () => {
    const expired = seedExpired(2_495, 5);
    const { handler } = janitor(ec2, eventBridge, time, { dryRun: true });

    await handler(scheduledEvent(), lambdaContext(time));

    const entries = publishedEntries(eventBridgeMock);
    expect(entries.length).toBeGreaterThan(1);
    for (const entry of entries) expect(entry.bytes).toBeLessThan(256 * 1024);
    const parts = purgedParts(eventBridgeMock);
    expect(parts.map((part) => part.data.part)).toEqual(parts.map((_, index) => index + 1));
    expect(parts.map((part) => part.data.final)).toEqual(
      parts.map((_, i) => i === parts.length - 1),
    );
    expect(parts.every((part: AmiPurgedV1Detail) => part.data.capReached)).toBe(true);
    const reported = parts.flatMap((part) => [...part.data.purged, ...part.data.skipped]);
    expect(reported).toHaveLength(expired.length);
    expect(new Set(reported.map((entry) => entry.imageId)).size).toBe(expired.length);
    expect(parts.flatMap((part) => part.data.purged)).toHaveLength(50);
  });

  it('should pace deregistrations to the bucket: the burst, then the refill rate, at ≥ 0.9 of what it allows', async () => {
    seedExpired(150, 3);
    const { handler } = janitor(ec2, eventBridge, time, {
      deregisterBurst: 100,
      deregisterRatePerSecond: 5,
      maxDeletionsPerRun: 1_000,
    });

    await handler(scheduledEvent(), lambdaContext(time));

    expect(ec2Mock).toHaveReceivedCommandTimes(DeregisterImageCommand, 150);
    const elapsedSeconds = time.elapsedMs / 1000;
    // 100 at once, then 50 more at 5 per second: never faster than EC2's bucket refills...
    expect(elapsedSeconds).toBeGreaterThanOrEqual(9.99);
    // ...and no slower than 0.9 of it.
    expect(150 / (100 + 5 * elapsedSeconds)).toBeGreaterThanOrEqual(0.9);
  });
});
