import {
  DeregisterImageCommand,
  DescribeImageReferencesCommand,
  DescribeImagesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { InvalidEventError } from '../../events/contract';
import { METRIC } from '../shared/observability';
import { TAG } from '../shared/tags';
import { deployImage, FakeEc2Account, nextId } from './ec2-account.fake';
import {
  acceptAllEvents,
  amiAvailableEvent,
  clients,
  FakeTime,
  janitor,
  publishedEntries,
  purgedParts,
  purgeRequestedEvent,
  scheduledEvent,
  useJournalTable,
} from './janitor.fixtures';

const ec2Mock = mockClient(EC2Client);
const eventBridgeMock = mockClient(EventBridgeClient);
const { ec2, eventBridge } = clients();
let account: FakeEc2Account;
let time: FakeTime;

useJournalTable();

beforeEach(() => {
  ec2Mock.reset();
  eventBridgeMock.reset();
  account = new FakeEc2Account();
  account.install(ec2Mock);
  acceptAllEvents(eventBridgeMock);
  time = new FakeTime();
});

const ids = (entries: readonly { imageId: string }[]) => entries.map((entry) => entry.imageId);

/** The newest image of a name: kept by keep-latest, so tests can focus on older ones. */
function newestOf(instanceName: string) {
  return deployImage({ instanceName, ageDays: 1 });
}

/** AmiAvailable for the newest image of the name in the account, as the watcher sends it. */
function availableEvent(instanceName: string) {
  const newest = account.images
    .filter(
      (image) =>
        image.State === 'available' &&
        image.Tags?.some((tag) => tag.Key === TAG.instanceName && tag.Value === instanceName),
    )
    .sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''))[0];
  return amiAvailableEvent(instanceName, undefined, newest?.ImageId);
}

describe('janitor on AmiAvailable', () => {
  it('should deregister the expired images of that instance name with their snapshots and publish the report', async () => {
    // Prepare
    const expired = deployImage({ instanceName: 'service-api', ageDays: 30 });
    const otherName = deployImage({ instanceName: 'service-worker', ageDays: 30 });
    account.images = [expired, newestOf('service-api'), otherName, newestOf('service-worker')];
    const { run, metrics } = janitor(ec2, eventBridge, time);

    // Act
    const result = await run(availableEvent('service-api'));

    // Assess
    expect(account.deregistered).toEqual([expired.ImageId]);
    expect(ec2Mock).toHaveReceivedCommandWith(DeregisterImageCommand, {
      ImageId: expired.ImageId,
      DeleteAssociatedSnapshots: true,
    });
    const [part, ...more] = purgedParts(eventBridgeMock);
    expect(more).toEqual([]);
    expect(part?.metadata.requestId).toBe('01JDEPLOY0000000000000001');
    expect(part?.data).toMatchObject({
      runId: expect.stringMatching(/^available-01JDEPLOY0{15}-[0-9a-f]{20}$/),
      trigger: 'ami-available',
      instanceName: 'service-api',
      dryRun: false,
      part: 1,
      final: true,
      capReached: false,
      failed: [],
      purged: [
        {
          imageId: expired.ImageId,
          imageName: expired.Name,
          instanceName: 'service-api',
          createdAt: expired.CreationDate,
          ageDays: 30,
          snapshots: [
            { snapshotId: expired.BlockDeviceMappings?.[0]?.Ebs?.SnapshotId, result: 'success' },
          ],
        },
      ],
    });
    expect(publishedEntries(eventBridgeMock).map((entry) => entry.source)).toEqual([
      'ami-lifecycle.janitor',
    ]);
    expect(metrics.addMetric).toHaveBeenCalledWith(METRIC.purged, 'Count', 1);
    expect(result).toMatchObject({ started: true, purged: 1, batches: 1 });
  });

  it("should ask EC2 only for this account's Deploy images of that name, by provenance tag and by the seed's name pattern", async () => {
    account.images = [newestOf('service-api')];
    const { run } = janitor(ec2, eventBridge, time);

    await run(availableEvent('service-api'));

    expect(ec2Mock).toHaveReceivedCommandWith(DescribeImagesCommand, {
      Owners: ['self'],
      MaxResults: 1000,
      Filters: [
        { Name: 'tag:Reason', Values: ['Deploy'] },
        { Name: `tag:${TAG.instanceName}`, Values: ['service-api'] },
      ],
    });
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeImagesCommand, {
      Owners: ['self'],
      Filters: [
        { Name: 'tag:Reason', Values: ['Deploy'] },
        { Name: 'name', Values: ['service-api-Deploy-*'] },
      ],
    });
  });

  it('should never touch images of another account, without the Deploy reason, or of another instance name', async () => {
    account.images = [
      newestOf('service-api'),
      deployImage({ instanceName: 'service-api', ageDays: 40, ownerId: '999988887777' }),
      deployImage({ instanceName: 'service-api', ageDays: 40, reason: 'Backup' }),
      deployImage({ instanceName: 'service-api', ageDays: 40, reason: null }),
      // The provenance tag wins over a name that looks like this instance's.
      deployImage({
        instanceName: 'service-api-v2',
        ageDays: 40,
        name: 'service-api-Deploy-2025-05-01_00_00',
      }),
      deployImage({ instanceName: 'service-apiary', ageDays: 40, madeBy: 'seed' }),
    ];
    const { run } = janitor(ec2, eventBridge, time);

    await run(availableEvent('service-api'));

    expect(account.deregistered).toEqual([]);
    expect(purgedParts(eventBridgeMock)[0]?.data).toMatchObject({ purged: [], skipped: [] });
  });

  it('should purge an expired image made by the seed system, recognised by its name', async () => {
    const seedMade = deployImage({ instanceName: 'service-api', ageDays: 40, madeBy: 'seed' });
    account.images = [seedMade, newestOf('service-api')];
    const { run } = janitor(ec2, eventBridge, time);

    await run(availableEvent('service-api'));

    expect(account.deregistered).toEqual([seedMade.ImageId]);
  });

  it('should keep an image of 13.9 days and purge one of 14.1 days', async () => {
    const young = deployImage({ instanceName: 'service-api', ageDays: 13.9 });
    const old = deployImage({ instanceName: 'service-api', ageDays: 14.1 });
    account.images = [young, old, newestOf('service-api')];
    const { run } = janitor(ec2, eventBridge, time);

    await run(availableEvent('service-api'));

    expect(account.deregistered).toEqual([old.ImageId]);
  });

  it('should keep the last available image when the newer ones failed or are still pending', async () => {
    const lastGood = deployImage({ instanceName: 'service-api', ageDays: 30 });
    const failed = deployImage({ instanceName: 'service-api', ageDays: 20, state: 'failed' });
    const pending = deployImage({ instanceName: 'service-api', ageDays: 0.01, state: 'pending' });
    account.images = [lastGood, failed, pending];
    const { run } = janitor(ec2, eventBridge, time);

    await run(availableEvent('service-api'));

    expect(account.deregistered).toEqual([failed.ImageId]);
    expect(purgedParts(eventBridgeMock)[0]?.data.skipped).toEqual([
      expect.objectContaining({ imageId: lastGood.ImageId, reason: 'keep-latest' }),
    ]);
  });
});

describe('janitor safety rules', () => {
  it('should keep images used by a stopped instance or by a launch template default or latest version, and purge one used only by terminated instances', async () => {
    const byStopped = deployImage({ instanceName: 'service-api', ageDays: 30 });
    const byDefault = deployImage({ instanceName: 'service-api', ageDays: 31 });
    const byLatest = deployImage({ instanceName: 'service-api', ageDays: 32 });
    const byTerminated = deployImage({ instanceName: 'service-api', ageDays: 33 });
    account.images = [byStopped, byDefault, byLatest, byTerminated, newestOf('service-api')];
    account.instances = [
      { instanceId: 'i-0aaaaaaaaaaaaaaa1', imageId: byStopped.ImageId ?? '', state: 'stopped' },
      {
        instanceId: 'i-0aaaaaaaaaaaaaaa2',
        imageId: byTerminated.ImageId ?? '',
        state: 'terminated',
      },
    ];
    account.launchTemplateVersions = [
      {
        LaunchTemplateId: 'lt-0aaaaaaaaaaaaaaa1',
        LaunchTemplateName: 'web',
        VersionNumber: 3,
        DefaultVersion: true,
        LaunchTemplateData: { ImageId: byDefault.ImageId },
      },
      {
        LaunchTemplateId: 'lt-0aaaaaaaaaaaaaaa1',
        LaunchTemplateName: 'web',
        VersionNumber: 4,
        DefaultVersion: false,
        LaunchTemplateData: { ImageId: byLatest.ImageId },
      },
    ];
    const { run } = janitor(ec2, eventBridge, time);

    await run(availableEvent('service-api'));

    expect(account.deregistered).toEqual([byTerminated.ImageId]);
    expect(purgedParts(eventBridgeMock)[0]?.data.skipped).toEqual([
      expect.objectContaining({
        imageId: byLatest.ImageId,
        reason: 'in-use-by-launch-template',
        detail: 'lt-0aaaaaaaaaaaaaaa1',
      }),
      expect.objectContaining({
        imageId: byDefault.ImageId,
        reason: 'in-use-by-launch-template',
        detail: 'lt-0aaaaaaaaaaaaaaa1',
      }),
      expect.objectContaining({
        imageId: byStopped.ImageId,
        reason: 'in-use-by-instance',
        detail: 'i-0aaaaaaaaaaaaaaa1',
      }),
    ]);
    // Asked of EC2 right before the deletions, for every kind of user.
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeImageReferencesCommand, {
      ImageIds: expect.arrayContaining([byStopped.ImageId, byTerminated.ImageId]),
      ResourceTypes: expect.arrayContaining([
        expect.objectContaining({ ResourceType: 'ec2:Instance' }),
        expect.objectContaining({ ResourceType: 'ec2:LaunchTemplate' }),
        expect.objectContaining({ ResourceType: 'ssm:Parameter' }),
      ]),
    });
  });

  it('should keep images with deregistration protection (also during its cooldown) or the retention tag', async () => {
    const protectedImage = deployImage({
      instanceName: 'service-api',
      ageDays: 30,
      protection: 'enabled-with-cooldown',
    });
    const coolingDown = deployImage({
      instanceName: 'service-api',
      ageDays: 31,
      protection: 'disabled-until-2025-06-21T03:00:00Z',
    });
    const retained = deployImage({ instanceName: 'service-api', ageDays: 32, retain: true });
    account.images = [protectedImage, coolingDown, retained, newestOf('service-api')];
    const { run } = janitor(ec2, eventBridge, time);

    await run(availableEvent('service-api'));

    expect(account.deregistered).toEqual([]);
    const reasons = purgedParts(eventBridgeMock)[0]?.data.skipped.map((entry) => entry.reason);
    expect(reasons).toEqual([
      'retention-tag',
      'deregistration-protection',
      'deregistration-protection',
    ]);
  });

  it('should report a snapshot that another AMI still uses as skipped by EC2', async () => {
    const shared = nextId('snap');
    const own = nextId('snap');
    const expired = deployImage({
      instanceName: 'service-api',
      ageDays: 30,
      snapshotIds: [own, shared],
    });
    const newest = deployImage({ instanceName: 'service-api', ageDays: 1, snapshotIds: [shared] });
    account.images = [expired, newest];
    const { run } = janitor(ec2, eventBridge, time);

    await run(availableEvent('service-api'));

    expect(purgedParts(eventBridgeMock)[0]?.data.purged[0]?.snapshots).toEqual([
      { snapshotId: own, result: 'success' },
      { snapshotId: shared, result: 'skipped' },
    ]);
  });

  it('should report an image that fails to deregister and go on with the others', async () => {
    const [first, failing, last] = [30, 31, 32].map((ageDays) =>
      deployImage({ instanceName: 'service-api', ageDays }),
    );
    account.images = [first, failing, last, newestOf('service-api')].flatMap((image) =>
      image ? [image] : [],
    );
    account.failures.set(failing?.ImageId ?? '', 'InvalidAMIID.Unavailable');
    const { run } = janitor(ec2, eventBridge, time);

    await run(availableEvent('service-api'));

    expect(account.images.map((image) => image.ImageId)).not.toContain(first?.ImageId);
    expect(account.images.map((image) => image.ImageId)).not.toContain(last?.ImageId);
    const data = purgedParts(eventBridgeMock)[0]?.data;
    expect(ids(data?.purged ?? [])).toEqual([last?.ImageId, first?.ImageId]);
    expect(data?.failed).toEqual([
      expect.objectContaining({ imageId: failing?.ImageId, code: 'InvalidAMIID.Unavailable' }),
    ]);
  });

  it('should retry a throttled deregistration and still delete the image', async () => {
    const expired = deployImage({ instanceName: 'service-api', ageDays: 30 });
    account.images = [expired, newestOf('service-api')];
    account.throttleNext = 2;
    const { run } = janitor(ec2, eventBridge, time);

    await run(availableEvent('service-api'));

    expect(account.deregistered).toEqual([expired.ImageId]);
    expect(ec2Mock).toHaveReceivedCommandTimes(DeregisterImageCommand, 3);
    expect(purgedParts(eventBridgeMock)[0]?.data.failed).toEqual([]);
  });

  it('should stop at MAX_DELETIONS_PER_RUN and report the rest as skipped by the cap', async () => {
    const expired = [30, 31, 32, 33, 34].map((ageDays) =>
      deployImage({ instanceName: 'service-api', ageDays }),
    );
    account.images = [...expired, newestOf('service-api')];
    const { run } = janitor(ec2, eventBridge, time, { maxDeletionsPerRun: 3 });

    await run(availableEvent('service-api'));

    // Oldest first in the run's order.
    expect(account.deregistered).toEqual(ids(expired.slice(2).reverse().map(asRef)));
    const data = purgedParts(eventBridgeMock)[0]?.data;
    expect(data?.capReached).toBe(true);
    expect(data?.skipped.map((entry) => [entry.imageId, entry.reason])).toEqual(
      expired
        .slice(0, 2)
        .reverse()
        .map((image) => [image.ImageId, 'deletion-cap']),
    );
  });
});

describe('janitor on demand and on schedule', () => {
  it('should delete nothing in a dry run requested with AmiPurgeRequested, and flag the report', async () => {
    const expired = deployImage({ instanceName: 'service-api', ageDays: 30 });
    account.images = [expired, newestOf('service-api')];
    const { run, metrics } = janitor(ec2, eventBridge, time);

    await run(
      purgeRequestedEvent({ instanceName: 'service-api', dryRun: true }, 'manual-dry-run-1'),
    );

    expect(ec2Mock).not.toHaveReceivedCommand(DeregisterImageCommand);
    expect(account.images).toContain(expired);
    const data = purgedParts(eventBridgeMock)[0]?.data;
    expect(data).toMatchObject({ runId: 'manual-dry-run-1', trigger: 'manual', dryRun: true });
    expect(data?.purged).toEqual([
      expect.objectContaining({
        imageId: expired.ImageId,
        snapshots: [{ snapshotId: expired.BlockDeviceMappings?.[0]?.Ebs?.SnapshotId }],
      }),
    ]);
    expect(metrics.addMetric).not.toHaveBeenCalled();
  });

  it('should stay dry under DRY_RUN even when an event asks for a live run', async () => {
    const expired = deployImage({ instanceName: 'service-api', ageDays: 30 });
    account.images = [expired, newestOf('service-api')];
    const { run } = janitor(ec2, eventBridge, time, { dryRun: true });

    await run(purgeRequestedEvent({ instanceName: 'service-api' }, 'asks-nothing'));
    const result = await run(
      purgeRequestedEvent({ instanceName: 'service-api', dryRun: false }, 'asks-live'),
    );

    expect(result.dryRun).toBe(true);
    expect(ec2Mock).not.toHaveReceivedCommand(DeregisterImageCommand);
    expect(purgedParts(eventBridgeMock).map((part) => part.data.dryRun)).toEqual([true, true]);
  });

  it('should sweep every instance name on the daily schedule, seed-made images included, with a run id from the event', async () => {
    const api = deployImage({ instanceName: 'service-api', ageDays: 30 });
    const worker = deployImage({ instanceName: 'service-worker', ageDays: 30, madeBy: 'seed' });
    account.images = [api, worker, newestOf('service-api'), newestOf('service-worker')];
    const { run } = janitor(ec2, eventBridge, time);

    await run(scheduledEvent());

    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeImagesCommand, 1);
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeImagesCommand, {
      Owners: ['self'],
      Filters: [{ Name: 'tag:Reason', Values: ['Deploy'] }],
    });
    expect(new Set(account.deregistered)).toEqual(new Set([api.ImageId, worker.ImageId]));
    const data = purgedParts(eventBridgeMock)[0]?.data;
    expect(data?.trigger).toBe('schedule');
    expect(data?.instanceName).toBeUndefined();
    expect(data?.runId).toBe('schedule-20250620T030000Z-89d1a02d-5ec7-412e-82f5-13505f849b41');
  });

  it('should publish an empty final report when there is nothing to purge', async () => {
    const { run } = janitor(ec2, eventBridge, time);

    await run(scheduledEvent());

    expect(purgedParts(eventBridgeMock)).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({ purged: [], skipped: [], failed: [], final: true }),
      }),
    ]);
  });

  it.each([
    ['an unknown detail-type', { ...scheduledEvent(), source: 'ops', 'detail-type': 'AmiCreated' }],
    ['a schedule event from another source', { ...scheduledEvent(), source: 'ops.cron' }],
    [
      'an AmiAvailable with a bad image id',
      (() => {
        const event = amiAvailableEvent('service-api');
        return {
          ...event,
          detail: { ...event.detail, data: { ...event.detail.data, imageId: 'x' } },
        };
      })(),
    ],
    [
      'a continuation (runs keep their own state)',
      purgeRequestedEvent({
        instanceName: 'service-api',
        dryRun: false,
        continuation: {
          trigger: 'schedule',
          part: 2,
          purgedSoFar: 0,
          cursor: 'service-api|2000-01-01T00:00:00.000Z|ami-00000000000000001',
          startedAt: '2099-01-01T00:00:00.000Z',
        },
      } as never),
    ],
    ['something that is not an EventBridge event', { hello: 'world' }],
  ])('should throw InvalidEventError for %s and change nothing', async (_name, event) => {
    account.images = [deployImage({ instanceName: 'service-api', ageDays: 30 })];
    const { run, executions } = janitor(ec2, eventBridge, time);

    await expect(run(event)).rejects.toThrow(InvalidEventError);

    expect(executions.size).toBe(0);
    expect(ec2Mock).not.toHaveReceivedCommand(DescribeImagesCommand);
    expect(eventBridgeMock).not.toHaveReceivedCommand(PutEventsCommand);
  });
});

function asRef(image: { ImageId?: string }) {
  return { imageId: image.ImageId ?? '' };
}
