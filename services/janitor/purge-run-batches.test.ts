import { DeregisterImageCommand, DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_PUT_EVENTS_REQUEST_BYTES, putEventsEntrySize } from '../../events/publish';
import { DEREGISTER_ATTEMPTS } from './deregister-images';
import { deployImage, FakeEc2Account } from './ec2-account.fake';
import {
  acceptAllEvents,
  amiAvailableEvent,
  clients,
  FakeTime,
  janitor,
  purgedParts,
  purgeRequestedEvent,
  scheduledEvent,
  useJournalTable,
} from './janitor.fixtures';
import { PURGE_STEP_KEY } from './purge-run-state';
import { PurgeRunBusyError } from './run-lock';

const ec2Mock = mockClient(EC2Client);
const eventBridgeMock = mockClient(EventBridgeClient);
const { ec2, eventBridge } = clients();
const DAY_MS = 86_400_000;
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

/** EventBridge fails the first PutEvents (after the batch's deletions), then accepts all. */
function refuseFirstPublish() {
  let refusals = 1;
  eventBridgeMock.on(PutEventsCommand).callsFake((input) => {
    if (refusals > 0) {
      refusals -= 1;
      throw Object.assign(new Error('Internal failure'), { name: 'InternalException' });
    }
    return { FailedEntryCount: 0, Entries: (input.Entries ?? []).map(() => ({ EventId: 'e' })) };
  });
}

/** Every AmiPurged part once, whatever was published twice by a retried batch. */
function partsOfRun() {
  const byPart = new Map(purgedParts(eventBridgeMock).map((part) => [part.data.part, part]));
  return [...byPart.values()].sort((a, b) => a.data.part - b.data.part);
}

describe('a purge run across batches', () => {
  it('should stop before its time budget, go on in the next batch, and skip or repeat nothing', async () => {
    // Prepare: 60 expired images over 3 names; each batch has 5 s of budget beyond the margin.
    const expired = seedExpired(60, 3);
    const inUse = expired[7];
    account.instances = [
      { instanceId: 'i-0bbbbbbbbbbbbbbb1', imageId: inUse?.ImageId ?? '', state: 'running' },
    ];
    // Not expired when the run starts; the run must not change its mind as time moves on.
    const almostExpired = deployImage({ instanceName: 'service-1', ageDays: 13.99 });
    account.images.push(almostExpired);
    const { run } = janitor(ec2, eventBridge, time, {
      deregisterBurst: 5,
      deregisterRatePerSecond: 5,
      maxDeletionsPerRun: 1_000,
    });

    // Act: a day passes between batches, to prove the run keeps its own clock.
    const result = await run(scheduledEvent(), {
      budgetMs: 35_000,
      beforeBatch: (batch) => {
        if (batch > 1) time.wallOffsetMs += DAY_MS;
      },
    });

    // Assess
    expect(result.batches).toBeGreaterThanOrEqual(2);
    const expected = expired.filter((image) => image !== inUse).map((image) => image.ImageId);
    expect(account.deregistered).toHaveLength(new Set(account.deregistered).size);
    expect(new Set(account.deregistered)).toEqual(new Set(expected));
    const parts = partsOfRun();
    expect(parts.map((part) => part.data.part)).toEqual(parts.map((_, index) => index + 1));
    expect(parts.map((part) => part.data.final)).toEqual(
      parts.map((_, i) => i === parts.length - 1),
    );
    const reported = parts.flatMap((part) => [...part.data.purged, ...part.data.skipped]);
    expect(reported.map((entry) => entry.imageId).sort()).toEqual(
      [...expected, inUse?.ImageId].sort(),
    );
    expect(account.images).toContain(almostExpired);
  });

  it('should need a handful of DescribeImages calls for 2,500 images: pages, not images', async () => {
    seedExpired(2_495, 5);
    const { run } = janitor(ec2, eventBridge, time, {
      dryRun: true,
      maxDeletionsPerRun: 10_000,
      purgeBatchSize: 10_000,
    });

    await run(scheduledEvent());

    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeImagesCommand, 3);
    const reported = partsOfRun().flatMap((part) => [...part.data.purged, ...part.data.skipped]);
    expect(reported).toHaveLength(2_495);
  });

  it('should pace deregistrations to the bucket: the burst, then the refill rate', async () => {
    seedExpired(150, 3);
    const { run } = janitor(ec2, eventBridge, time, {
      deregisterBurst: 100,
      deregisterRatePerSecond: 5,
      maxDeletionsPerRun: 1_000,
    });

    await run(scheduledEvent());

    expect(ec2Mock).toHaveReceivedCommandTimes(DeregisterImageCommand, 150);
    // The fake clock moves only when the janitor waits for tokens: 100 at once, then 50 more
    // at 5 per second, never faster than EC2's bucket refills and no slower than 0.9 of it.
    const waitedSeconds = time.elapsedMs / 1000;
    expect(waitedSeconds).toBeGreaterThanOrEqual(9.99);
    expect(150 / (100 + 5 * waitedSeconds)).toBeGreaterThanOrEqual(0.9);
  });
});

describe('what no event, retry or large run can do', () => {
  it('should delete exactly the cap of 2,000 expired images and report exactly those, though publishing failed after the deletions', async () => {
    // Prepare: the audit's case. One name, 2,000 expired images, the default cap of 50; the
    // first attempt to publish the report fails after the deletions were made.
    const expired = seedExpired(2_000, 1);
    refuseFirstPublish();
    const { run, failedAttempts } = janitor(ec2, eventBridge, time);

    // Act
    await run(purgeRequestedEvent({ instanceName: 'service-0' }, 'bulk-run'));

    // Assess: the batch ran twice; 50 images went, once each, and the reports name those 50.
    expect(failedAttempts).toHaveLength(1);
    expect(account.deregistered).toHaveLength(50);
    expect(new Set(account.deregistered).size).toBe(50);
    const parts = partsOfRun();
    const purged = parts.flatMap((part) => part.data.purged.map((entry) => entry.imageId));
    expect(purged.sort()).toEqual([...account.deregistered].sort());
    const capped = parts.flatMap((part) =>
      part.data.skipped.filter((entry) => entry.reason === 'deletion-cap'),
    );
    expect(capped).toHaveLength(expired.length - 50);
    expect(parts.at(-1)?.data.final).toBe(true);
    // No PutEvents request exceeded EventBridge's 256 KB.
    for (const call of eventBridgeMock.commandCalls(PutEventsCommand)) {
      const entries = call.args[0].input.Entries ?? [];
      const size = entries.reduce(
        (total, entry) =>
          total +
          putEventsEntrySize({
            Source: entry.Source ?? '',
            DetailType: entry.DetailType ?? '',
            Detail: entry.Detail ?? '',
          }),
        0,
      );
      expect(size).toBeLessThanOrEqual(MAX_PUT_EVENTS_REQUEST_BYTES);
    }
  });

  it('should finish, and report once, the deletions of a batch that crashed mid-way', async () => {
    // Prepare: the batch's invocation dies after its third deletion, before recording it.
    seedExpired(10, 1);
    const probe = janitor(ec2, eventBridge, time);
    const real = probe.journal.dynamodb;
    let records = 0;
    const crashing = Object.create(real) as typeof real;
    crashing.send = ((command: Parameters<typeof real.send>[0]) => {
      if (command.constructor.name === 'UpdateItemCommand' && ++records === 3) {
        return Promise.reject(Object.assign(new Error('Task timed out'), { name: 'Timeout' }));
      }
      return real.send(command as never);
    }) as typeof real.send;
    const { run, failedAttempts } = janitor(
      ec2,
      eventBridge,
      time,
      { maxDeletionsPerRun: 5 },
      {
        dynamodb: crashing,
      },
    );

    // Act
    await run(purgeRequestedEvent({ instanceName: 'service-0' }, 'crashing-run'));

    // Assess: the retried batch deleted no more than the cap, and reported each deletion once.
    expect(failedAttempts).toHaveLength(1);
    const gone = new Set(account.deregistered);
    expect(11 - account.images.length).toBe(5);
    const purged = partsOfRun().flatMap((part) => part.data.purged.map((entry) => entry.imageId));
    expect(purged).toHaveLength(5);
    expect(new Set(purged).size).toBe(5);
    for (const imageId of purged) expect(gone.has(imageId)).toBe(true);
  });

  it('should not try again, in a retried batch, a deletion an earlier attempt saw fail', async () => {
    // Prepare: EC2 refuses one image; the batch's report fails to publish once, so it runs again.
    const [refused, other] = seedExpired(2, 1);
    account.failures.set(refused?.ImageId ?? '', 'InvalidAMIID.Unavailable');
    refuseFirstPublish();
    const { run, failedAttempts } = janitor(ec2, eventBridge, time);

    // Act
    await run(purgeRequestedEvent({ instanceName: 'service-0' }, 'refused-run'));

    // Assess
    expect(failedAttempts).toHaveLength(1);
    expect(account.deregistered.filter((id) => id === refused?.ImageId)).toHaveLength(1);
    expect(account.deregistered.filter((id) => id === other?.ImageId)).toHaveLength(1);
    const parts = partsOfRun();
    expect(parts.flatMap((part) => part.data.failed.map((entry) => entry.imageId))).toEqual([
      refused?.ImageId,
    ]);
  });

  it('should start one run for a redelivered trigger', async () => {
    seedExpired(3, 1);
    const { run, executions } = janitor(ec2, eventBridge, time);

    const first = await run(scheduledEvent());
    const again = await run(scheduledEvent());

    expect(first.started).toBe(true);
    expect(again).toMatchObject({ runId: first.runId, started: false });
    expect(executions.size).toBe(1);
    expect(account.deregistered).toHaveLength(3);
  });

  it('should let one run at a time purge: the next waits for the lock', async () => {
    // Prepare: run A holds the lock, as a running execution does.
    seedExpired(3, 1);
    const { handler } = janitor(ec2, eventBridge, time);
    const context = { awsRequestId: 'r', getRemainingTimeInMillis: () => 600_000 };
    const begin = (runId: string) =>
      handler(
        {
          [PURGE_STEP_KEY]: {
            step: 'begin',
            runId,
            startedAt: time.clock().toISOString(),
            request: { trigger: 'manual', requestId: runId },
          },
        },
        context,
      );
    await begin('run-a');

    // Act & Assess: B is refused while A runs (the state machine retries it), then starts.
    await expect(begin('run-b')).rejects.toThrow(PurgeRunBusyError);
    await handler({ [PURGE_STEP_KEY]: { step: 'end', runId: 'run-a' } }, context);
    await expect(begin('run-b')).resolves.toMatchObject({ run: { runId: 'run-b', batch: 1 } });
  });

  it('should ride out heavy throttling of DeregisterImage with one retry layer: at most 8 calls an image', async () => {
    // Prepare: EC2 throttles the next 7 calls (one image gets through on its 8th), then 20 more.
    const [first, second] = seedExpired(2, 1);
    account.throttleNext = DEREGISTER_ATTEMPTS - 1;
    const { run } = janitor(ec2, eventBridge, time);

    // Act
    await run(purgeRequestedEvent({ instanceName: 'service-0' }, 'throttled-run'));

    // Assess
    expect(account.deregistered.sort()).toEqual([first?.ImageId, second?.ImageId].sort());
    expect(ec2Mock).toHaveReceivedCommandTimes(DeregisterImageCommand, DEREGISTER_ATTEMPTS + 1);

    // Act: throttled beyond the attempts, an image is reported as failed, not retried forever.
    ec2Mock.resetHistory();
    const third = deployImage({ instanceName: 'service-0', ageDays: 40 });
    account.images.push(third);
    account.throttleNext = 100;
    await run(purgeRequestedEvent({ instanceName: 'service-0' }, 'very-throttled-run'));
    expect(ec2Mock).toHaveReceivedCommandTimes(DeregisterImageCommand, DEREGISTER_ATTEMPTS);
    expect(partsOfRun().at(-1)?.data.failed).toEqual([
      expect.objectContaining({ imageId: third.ImageId, code: 'RequestLimitExceeded' }),
    ]);
  });

  it('should start nothing for an AmiAvailable whose image EC2 does not show as ours and available', async () => {
    seedExpired(3, 1);
    const { run, executions } = janitor(ec2, eventBridge, time);

    await expect(
      run(amiAvailableEvent('service-0', 'forged-1', 'ami-0ffffffffffffffff')),
    ).rejects.toMatchObject({ name: 'ClaimRejectedError' });

    expect(executions.size).toBe(0);
    expect(account.deregistered).toEqual([]);
  });
});

describe('in use, checked right before each deletion', () => {
  it('should keep an AMI used only by a launch template version that is neither default nor latest', async () => {
    const [pinned, free] = seedExpired(2, 1);
    account.launchTemplateVersions = [1, 2, 3].map((version) => ({
      LaunchTemplateId: 'lt-0ccccccccccccccc1',
      LaunchTemplateName: 'asg-pinned',
      VersionNumber: version,
      DefaultVersion: version === 1,
      LaunchTemplateData: { ImageId: version === 2 ? pinned?.ImageId : 'ami-0eeeeeeeeeeeeeee1' },
    }));
    const { run } = janitor(ec2, eventBridge, time);

    await run(purgeRequestedEvent({ instanceName: 'service-0' }, 'pinned-run'));

    expect(account.deregistered).toEqual([free?.ImageId]);
    expect(partsOfRun()[0]?.data.skipped).toEqual([
      expect.objectContaining({ imageId: pinned?.ImageId, reason: 'in-use-by-launch-template' }),
    ]);
  });

  it('should see an instance launched from an image while the run was deleting others', async () => {
    // Prepare: 15 expired images, checked in groups of 10; an instance starts from the 12th
    // while the first group is being deleted.
    const expired = seedExpired(15, 1);
    const ordered = [...expired].sort((a, b) =>
      (a.CreationDate ?? '').localeCompare(b.CreationDate ?? ''),
    );
    const launched = ordered[11];
    account.onDeregister = () => {
      if (account.instances.length === 0) {
        account.instances = [
          { instanceId: 'i-0ddddddddddddddd1', imageId: launched?.ImageId ?? '', state: 'pending' },
        ];
      }
    };
    const { run } = janitor(ec2, eventBridge, time);

    await run(purgeRequestedEvent({ instanceName: 'service-0' }, 'busy-run'));

    expect(account.deregistered).toHaveLength(14);
    expect(account.deregistered).not.toContain(launched?.ImageId);
  });

  it('should keep AMIs named by an SSM parameter, shared with another account, or managed by AWS Backup', async () => {
    const [named, shared, free] = seedExpired(3, 1);
    const backedUp = deployImage({ instanceName: 'service-0', ageDays: 50, awsBackup: true });
    account.images.push(backedUp);
    account.parameters.set('/deploy/service-0/rollback', named?.ImageId ?? '');
    account.sharedWith.set(shared?.ImageId ?? '', ['444455556666']);
    const { run } = janitor(ec2, eventBridge, time);

    await run(purgeRequestedEvent({ instanceName: 'service-0' }, 'kept-run'));

    expect(account.deregistered).toEqual([free?.ImageId]);
    const skipped = partsOfRun()[0]?.data.skipped ?? [];
    expect(Object.fromEntries(skipped.map((entry) => [entry.imageId, entry.reason]))).toEqual({
      [named?.ImageId ?? '']: 'in-use-by-ssm-parameter',
      [shared?.ImageId ?? '']: 'shared-with-other-accounts',
      [backedUp.ImageId ?? '']: 'aws-backup-managed',
    });
  });

  it('should fall back to reading instances and launch templates where DescribeImageReferences is refused', async () => {
    const [pinned, free] = seedExpired(2, 1);
    account.refuseReferenceChecks = true;
    account.launchTemplateVersions = [
      {
        LaunchTemplateId: 'lt-0ccccccccccccccc1',
        LaunchTemplateName: 'web',
        VersionNumber: 2,
        DefaultVersion: false,
        LaunchTemplateData: { ImageId: pinned?.ImageId },
      },
    ];
    const { run } = janitor(ec2, eventBridge, time);

    await run(scheduledEvent());

    expect(account.deregistered).toEqual([free?.ImageId]);
  });
});
