import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestCloud } from './local-cloud-client';

/**
 * Long enough for the creator to start the watcher and its first check to wait before EC2's event
 * (a wake-up that comes before anyone waits wakes nobody), even on a loaded machine.
 */
const BAKE_MS = 3_000;
/** The deployed poll interval, unscaled: a check that waited for it would come a minute late. */
const POLL_MS = 60_000;

let system: Awaited<ReturnType<typeof startTestCloud>>;

beforeAll(async () => {
  system = await startTestCloud({ waitScale: 1, bakeMs: BAKE_MS });
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

/** When the AMI left `pending`: the local EC2 bakes every image for BAKE_MS from its creation. */
async function bakeEndOf(imageId: string): Promise<number> {
  const { Images = [] } = await system.ec2.send(
    new DescribeImagesCommand({
      Owners: ['self'],
      Filters: [{ Name: 'image-id', Values: [imageId] }],
    }),
  );
  return Date.parse(Images[0]?.CreationDate ?? '') + BAKE_MS;
}

/** The first event of this detail-type for the request, within a third of a poll interval. */
async function firstEventOf(requestId: string, detailType: string) {
  const [event] = await eventually(
    async () => {
      const events = (await system.eventsOf(requestId)).filter(
        (candidate) => candidate['detail-type'] === detailType,
      );
      return events.length > 0 ? events : undefined;
    },
    detailType,
    POLL_MS / 3,
  );
  return event;
}

describe('waking the watcher with EC2 AMI State Change events, end to end over HTTP', () => {
  it('should announce an AMI moments after it becomes available, not at the next 60 s poll', {
    timeout: 30_000,
  }, async () => {
    const response = await system.createAmi({ instance_name_list: ['service-api'] });
    expect(response.status).toBe(202);
    const { requestId } = (await response.json()) as { requestId: string };

    const available = await firstEventOf(requestId, 'AmiAvailable');
    const imageId = String(available?.detail.data.imageId);
    const delayMs =
      Date.parse(String(available?.detail.data.availableAt)) - (await bakeEndOf(imageId));
    // Never before the bake ended; and it arrived within a third of a poll interval (the bound of
    // firstEventOf), so EC2's event woke the check: the first poll comes only at 60 s.
    expect(delayMs).toBeGreaterThanOrEqual(0);

    const webhook = await eventually(async () => {
      const webhooks = await system.webhooks();
      return webhooks.find((hook) => JSON.stringify(hook.body).includes(imageId));
    }, 'the AmiAvailable webhook');
    expect(JSON.stringify(webhook.body)).toContain('AMI Is Available.');

    // EC2's event reached the default bus, and the wake-up ran for it.
    const stateChanges = (await system.events()).filter(
      (event) =>
        event.source === 'aws.ec2' &&
        event['detail-type'] === 'EC2 AMI State Change' &&
        (event.detail as unknown as { ImageId: string }).ImageId === imageId,
    );
    expect(
      stateChanges.map((event) => (event.detail as unknown as { State: string }).State),
    ).toEqual(['available']);
  });

  it('should report a failing AMI as soon as EC2 says it failed', { timeout: 30_000 }, async () => {
    const response = await system.createAmi({ instance_name_list: ['flaky-service'] });
    const { requestId } = (await response.json()) as { requestId: string };

    const failed = await firstEventOf(requestId, 'AmiFailed');
    expect(failed?.detail.data).toMatchObject({ reason: 'image-failed', imageState: 'failed' });
  });
});
