import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  type Image,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestCloud, terminalEventsByName } from './local-cloud-client';

// The default fixture (infra/local/default-fixture.ts): what the janitor must delete or keep.
const PURGED = ['ami-0a0000000000000a1', 'ami-0a0000000000000a2', 'ami-0a0000000000000a7'];
const PURGED_WORKER = ['ami-0b0000000000000b1'];
const KEPT = {
  'ami-0a0000000000000a3': 'recent',
  'ami-0a0000000000000a4': 'deregistration protection',
  'ami-0a0000000000000a5': 'retain tag',
  'ami-0a0000000000000a6': 'used by an instance',
  'ami-0a0000000000000a8': 'not a Deploy image',
  'ami-0b0000000000000b2': 'used by a launch template',
  'ami-0c0000000000000c1': 'another instance name',
};

let system: Awaited<ReturnType<typeof startTestCloud>>;

beforeAll(async () => {
  system = await startTestCloud();
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

async function imagesById(ids: string[]): Promise<Image[]> {
  const { Images = [] } = await system.ec2.send(
    new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'image-id', Values: ids }] }),
  );
  return Images;
}

describe('the seed flow, end to end over HTTP', () => {
  it('should make AMIs, announce them by webhook and event, and purge the old ones safely', {
    timeout: 60_000,
  }, async () => {
    // Prepare
    const { Images: before = [] } = await system.ec2.send(
      new DescribeImagesCommand({ Owners: ['self'] }),
    );
    const oldSnapshots = before
      .filter((image) => PURGED.includes(image.ImageId ?? ''))
      .flatMap((image) => image.BlockDeviceMappings?.map((mapping) => mapping.Ebs?.SnapshotId));

    // Act
    const response = await system.createAmi({
      instance_name_list: ['service-api', 'service-worker'],
    });

    // Assess: accepted
    expect(response.status).toBe(202);
    const { requestId } = (await response.json()) as { requestId: string };

    // Two AMIs, named and tagged as the seed did, from the oldest running instances.
    const available = await eventually(async () => {
      const events = (await system.eventsOf(requestId)).filter(
        (event) => event['detail-type'] === 'AmiAvailable',
      );
      return events.length === 2 ? events : undefined;
    }, 'two AmiAvailable events');
    const images = await imagesById(available.map((event) => String(event.detail.data.imageId)));
    expect(images).toHaveLength(2);
    for (const image of images) {
      const tags = Object.fromEntries(image.Tags?.map((tag) => [tag.Key, tag.Value]) ?? []);
      expect(image.Name).toMatch(/^service-(api|worker)-Deploy-\d{4}-\d{2}-\d{2}_\d{2}_\d{2}$/);
      expect(tags.Name).toBe(image.Name);
      expect(tags.Reason).toBe('Deploy');
      expect(image.State).toBe('available');
    }
    const sources = Object.fromEntries(
      available.map((event) => [event.detail.data.instanceName, event.detail.data.instanceId]),
    );
    expect(sources).toEqual({
      'service-api': 'i-0a00000000000a001',
      'service-worker': 'i-0b00000000000b001',
    });

    // Snapshots carry the tags too.
    const { Snapshots = [] } = await system.ec2.send(
      new DescribeSnapshotsCommand({
        OwnerIds: ['self'],
        Filters: [{ Name: 'tag:ami-lifecycle:request-id', Values: [requestId] }],
      }),
    );
    expect(Snapshots).toHaveLength(2);
    for (const snapshot of Snapshots) {
      expect(snapshot.Tags).toEqual(expect.arrayContaining([{ Key: 'Reason', Value: 'Deploy' }]));
    }

    // The JANDI webhook, word for word the seed's.
    const webhooks = await eventually(async () => {
      const received = (await system.webhooks()).filter(
        (webhook) => (webhook.body as { body?: string }).body === 'AMI Is Available.',
      );
      return received.length === 2 ? received : undefined;
    }, 'two JANDI webhooks');
    const apiImage = images.find((image) => image.Name?.startsWith('service-api'));
    expect(webhooks.map((webhook) => webhook.body)).toContainEqual({
      body: 'AMI Is Available.',
      connectColor: '#28a745',
      connectInfo: [
        {
          title: 'Complete AMI Create. AMI State Available.',
          description: `AMI ID: ${apiImage?.ImageId}, Name: ${apiImage?.Name}`,
        },
      ],
    });
    expect(webhooks[0]?.headers.accept).toBe('application/vnd.tosslab.jandi-v2+json');

    // The subscriber got AmiAvailable in the full EventBridge envelope.
    await eventually(
      async () => (system.subscriber.received.length >= 2 ? true : undefined),
      'the subscriber',
    );
    expect(system.subscriber.received[0]).toMatchObject({
      version: '0',
      'detail-type': 'AmiAvailable',
      source: 'ami-lifecycle.watcher',
      account: system.cloud.accountId,
      region: system.cloud.region,
      detail: { metadata: { schemaVersion: 1, requestId } },
    });

    // The purge: expired Deploy AMIs of those names gone with their snapshots; the rest stays.
    await eventually(async () => {
      const purged = (await system.eventsOf(requestId)).filter(
        (event) => event['detail-type'] === 'AmiPurged',
      );
      return purged.length === 2 ? purged : undefined;
    }, 'two AmiPurged events');
    expect(await imagesById([...PURGED, ...PURGED_WORKER])).toEqual([]);
    const kept = await imagesById(Object.keys(KEPT));
    expect(kept.map((image) => image.ImageId).sort()).toEqual(Object.keys(KEPT).sort());
    const { Snapshots: remaining = [] } = await system.ec2.send(
      new DescribeSnapshotsCommand({ OwnerIds: ['self'] }),
    );
    const remainingIds = remaining.map((snapshot) => snapshot.SnapshotId);
    for (const snapshotId of oldSnapshots) expect(remainingIds).not.toContain(snapshotId);

    // A purge webhook lists what was deleted (it goes out through the notifier's queue, after
    // the event).
    const purgeWebhook = await eventually(
      async () =>
        (await system.webhooks()).find((webhook) =>
          JSON.stringify(webhook.body).includes('ami-0a0000000000000a1'),
        ),
      'the purge webhook',
    );
    expect(JSON.stringify(purgeWebhook.body)).toContain('ami-0a0000000000000a1');

    expect(terminalEventsByName(await system.eventsOf(requestId))).toEqual(
      new Map([
        ['service-api', ['AmiAvailable']],
        ['service-worker', ['AmiAvailable']],
      ]),
    );
  });

  it('should end a failing AMI with AmiFailed and a failure webhook, and an unknown name too', async () => {
    const response = await system.createAmi({ instance_name_list: ['flaky-service', 'no-such'] });
    expect(response.status).toBe(202);
    const { requestId } = (await response.json()) as { requestId: string };

    const failed = await eventually(async () => {
      const events = (await system.eventsOf(requestId)).filter(
        (event) => event['detail-type'] === 'AmiFailed',
      );
      return events.length === 2 ? events : undefined;
    }, 'two AmiFailed events');
    expect(
      Object.fromEntries(failed.map((e) => [e.detail.data.instanceName, e.detail.data.reason])),
    ).toEqual({
      'flaky-service': 'image-failed',
      'no-such': 'instance-not-found',
    });
    await eventually(async () => {
      const red = (await system.webhooks()).filter((webhook) =>
        JSON.stringify(webhook.body).includes('#dc3545'),
      );
      return red.some((webhook) => JSON.stringify(webhook.body).includes('flaky-service'))
        ? true
        : undefined;
    }, 'a failure webhook');
    await eventually(async () => {
      const executions = await system.executions();
      const mine = executions.find((execution) => execution.name === requestId);
      return mine && mine.status !== 'RUNNING' ? mine : undefined;
    }, 'the execution to end');
    expect(terminalEventsByName(await system.eventsOf(requestId))).toEqual(
      new Map([
        ['flaky-service', ['AmiFailed']],
        ['no-such', ['AmiFailed']],
      ]),
    );
  });

  it('should make one AMI when the same AmiRequested is delivered twice', async () => {
    // A name of its own: AMI names carry the minute, so a second request for an instance name
    // imaged earlier in the same minute would collide (InvalidAMIName.Duplicate).
    await system.ec2.send(
      new RunInstancesCommand({
        ImageId: 'ami-0b0a5e0000000000a',
        MinCount: 1,
        MaxCount: 1,
        TagSpecifications: [
          { ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'release-service' }] },
        ],
      }),
    );
    await eventually(async () => {
      const { Reservations = [] } = await system.ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: 'tag:Name', Values: ['release-service'] },
            { Name: 'instance-state-name', Values: ['running'] },
          ],
        }),
      );
      return Reservations.length > 0 ? true : undefined;
    }, 'the new instance to run');
    const entry = {
      EventBusName: system.cloud.eventBusName,
      Source: 'release.pipeline',
      DetailType: 'AmiRequested',
      Detail: JSON.stringify({
        metadata: { schemaVersion: 1, requestId: 'release-twice-1' },
        data: { instanceNames: ['release-service'] },
      }),
    };
    const first = await system.eventBridge.send(new PutEventsCommand({ Entries: [entry] }));
    const second = await system.eventBridge.send(new PutEventsCommand({ Entries: [entry] }));
    expect([first.FailedEntryCount, second.FailedEntryCount]).toEqual([0, 0]);

    await eventually(async () => {
      const events = await system.eventsOf('release-twice-1');
      return events.some((event) => event['detail-type'] === 'AmiAvailable') ? true : undefined;
    }, 'AmiAvailable');
    await system.cloud.whenIdle();
    const { Images = [] } = await system.ec2.send(
      new DescribeImagesCommand({
        Owners: ['self'],
        Filters: [{ Name: 'tag:ami-lifecycle:request-id', Values: ['release-twice-1'] }],
      }),
    );
    expect(Images).toHaveLength(1);
    expect(terminalEventsByName(await system.eventsOf('release-twice-1'))).toEqual(
      new Map([['release-service', ['AmiAvailable']]]),
    );
  });

  it('should dead-letter an invalid AmiRequested with its reason and create nothing', async () => {
    const imagesBefore = (await system.ec2.send(new DescribeImagesCommand({ Owners: ['self'] })))
      .Images?.length;
    await system.eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: system.cloud.eventBusName,
            Source: 'some.system',
            DetailType: 'AmiRequested',
            Detail: JSON.stringify({
              metadata: { schemaVersion: 1, requestId: 'broken-1' },
              data: { instanceNames: ['bad:name'] },
            }),
          },
        ],
      }),
    );
    const deadLetter = await eventually(async () => {
      const letters = await system.deadLetters();
      return letters.find((letter) => letter.event.detail.metadata?.requestId === 'broken-1');
    }, 'a dead letter');
    expect(deadLetter.error.message).toMatch(/data\.instanceNames\[0\]/);
    expect(
      (await system.ec2.send(new DescribeImagesCommand({ Owners: ['self'] }))).Images?.length,
    ).toBe(imagesBefore);
  });

  it('should answer bad API bodies with 4xx naming the field, and create nothing', async () => {
    const eventsBefore = (await system.events()).length;
    const cases: [unknown, string | undefined, number, string][] = [
      [{ instance_name_list: [] }, undefined, 400, 'instance_name_list'],
      [{ instance_names: ['service-api'] }, undefined, 400, 'instance_names'],
      ['{not json', undefined, 400, 'body'],
      [{ instance_name_list: ['service-api'] }, 'text/plain', 400, 'content-type'],
      [{ instance_name_list: ['x'.repeat(20_000)] }, undefined, 413, 'body'],
    ];
    for (const [body, contentType, status, field] of cases) {
      const response = await system.createAmi(body, contentType);
      expect(response.status).toBe(status);
      expect(JSON.stringify(await response.json())).toContain(field);
    }
    expect((await system.events()).length).toBe(eventsBefore);
  });
});
