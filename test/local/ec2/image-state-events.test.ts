import {
  CreateImageCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EC2_AMI_STATE_CHANGE,
  ec2AmiStateChangeDetailSchema,
} from '../../../events/ec2-ami-state-change';
import {
  BAKE_SECONDS_TAG,
  createEc2Service,
  type Ec2ServiceOptions,
  FAIL_IMAGE_TAG,
  type ImageStateChange,
  type ImageStateEvent,
  type ImageStateEvents,
  imageStateEvents,
} from '../../../infra/local/ec2';
import { type RunningEc2, startEc2, testClock } from './harness';

const BAKE_MS = 100;
/**
 * How long after its bake end an event may arrive: a timer's latency on a loaded machine. Without
 * the timer it would wait for a request that never comes, or (re-arming) for a 5 s bake.
 */
const ON_TIME_MS = 1_000;
const ACCOUNT = '123456789012';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `count` events have arrived (at most the bake plus ON_TIME_MS), then a little more for any extra. */
async function receivedAfterBake(received: readonly Received[], count: number, bakeMs = BAKE_MS) {
  const deadline = Date.now() + bakeMs + ON_TIME_MS;
  while (received.length < count && Date.now() < deadline) await sleep(10);
  await sleep(150);
}

interface Received {
  event: ImageStateEvent;
  /** Wall-clock time when it was emitted. */
  emittedAtMs: number;
}

let ec2: RunningEc2 | undefined;
let events: ImageStateEvents | undefined;
afterEach(async () => {
  events?.stop();
  await ec2?.close();
  ec2 = undefined;
  events = undefined;
});

/** The emulator on the real clock, its image events collected, re-armed after each request. */
async function startWithEvents(options: Ec2ServiceOptions = {}) {
  const received: Received[] = [];
  events = imageStateEvents((event) => received.push({ event, emittedAtMs: Date.now() }));
  ec2 = await startEc2({
    now: Date.now,
    bakeMs: BAKE_MS,
    onImageStateChange: events.onImageStateChange,
    ...options,
  });
  events.attach(ec2.service);
  const { client, service } = ec2;
  const armed = events;
  const send: EC2Client['send'] = (async (command: Parameters<EC2Client['send']>[0]) => {
    try {
      return await client.send(command);
    } finally {
      armed.rearm();
    }
  }) as EC2Client['send'];
  return { received, send, service };
}

function expectWellFormed(received: Received[]): void {
  for (const { event } of received) {
    expect(event.source).toBe(EC2_AMI_STATE_CHANGE.source);
    expect(event.detailType).toBe(EC2_AMI_STATE_CHANGE.detailType);
    expect(ec2AmiStateChangeDetailSchema.parse(event.detail)).toEqual(event.detail);
    expect(event.detail.RequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.resources).toEqual([`arn:aws:ec2:us-east-1::image/${event.detail.ImageId}`]);
  }
}

describe('image state events', () => {
  it('should emit one available event at the bake end, with no request after CreateImage', async () => {
    const { received, send, service } = await startWithEvents();
    const [instanceId] = service.seed({ instances: [{ name: 'api' }] }).instanceIds;
    const { ImageId } = await send(
      new CreateImageCommand({ InstanceId: instanceId, Name: 'api-1' }),
    );
    expect(received).toEqual([]);

    await receivedAfterBake(received, 1);

    expect(service.stats().calls).toEqual({ CreateImage: 1 });
    expect(received).toHaveLength(1);
    const [{ event, emittedAtMs }] = received as [Received];
    expect(event.detail).toMatchObject({ ImageId, State: 'available', ErrorMessage: '' });
    const { Images } = await send(new DescribeImagesCommand({ ImageIds: [ImageId as string] }));
    const bakeEndMs = Date.parse(Images?.[0]?.CreationDate as string) + BAKE_MS;
    expect(Images?.[0]?.State).toBe('available');
    expect(event.time.getTime()).toBe(bakeEndMs);
    expect(emittedAtMs).toBeGreaterThanOrEqual(bakeEndMs);
    expect(emittedAtMs - bakeEndMs).toBeLessThan(ON_TIME_MS);
    expectWellFormed(received);
  });

  it('should re-arm for a bake that ends before the one armed for', async () => {
    const { received, send, service } = await startWithEvents();
    const [slow, fast] = service.seed({
      instances: [
        { name: 'slow', tags: { [BAKE_SECONDS_TAG]: '5' } },
        { name: 'fast', tags: { [BAKE_SECONDS_TAG]: '0.1' } },
      ],
    }).instanceIds;
    await send(new CreateImageCommand({ InstanceId: slow, Name: 'slow-1' }));
    const startedMs = Date.now();
    const { ImageId } = await send(new CreateImageCommand({ InstanceId: fast, Name: 'fast-1' }));
    expect(service.nextImageStateChangeAtMs()).toBeLessThanOrEqual(Date.now() + 100);

    await receivedAfterBake(received, 1, 100);

    expect(received.map(({ event }) => [event.detail.ImageId, event.detail.State])).toEqual([
      [ImageId, 'available'],
    ]);
    expect((received[0] as Received).emittedAtMs - startedMs).toBeLessThan(100 + ON_TIME_MS);
  });

  it('should emit failed with the StateReason message of an image made to fail', async () => {
    const { received, send, service } = await startWithEvents();
    const [instanceId] = service.seed({
      instances: [{ name: 'api', tags: { [FAIL_IMAGE_TAG]: 'disk on fire' } }],
    }).instanceIds;
    const { ImageId } = await send(
      new CreateImageCommand({ InstanceId: instanceId, Name: 'api-1' }),
    );

    await receivedAfterBake(received, 1);

    expect(received.map(({ event }) => event.detail)).toEqual([
      expect.objectContaining({ ImageId, State: 'failed', ErrorMessage: 'disk on fire' }),
    ]);
    const { Images } = await send(new DescribeImagesCommand({ ImageIds: [ImageId as string] }));
    expect(Images?.[0]?.StateReason?.Message).toBe('disk on fire');
    expectWellFormed(received);
  });

  it('should emit deregistered when DeregisterImage removes an image, at the request', async () => {
    const { received, send, service } = await startWithEvents();
    const [imageId] = service.seed({ images: [{ name: 'old' }] }).imageIds as [string];

    const beforeMs = Date.now();
    await send(new DeregisterImageCommand({ ImageId: imageId }));
    const afterMs = Date.now();

    expect(received.map(({ event }) => event.detail)).toEqual([
      expect.objectContaining({ ImageId: imageId, State: 'deregistered', ErrorMessage: '' }),
    ]);
    const time = (received[0] as Received).event.time.getTime();
    expect(time).toBeGreaterThanOrEqual(beforeMs);
    expect(time).toBeLessThanOrEqual(afterMs);
    expectWellFormed(received);
  });

  it('should emit only deregistered for an image deregistered while it bakes', async () => {
    const { received, send, service } = await startWithEvents();
    const [instanceId] = service.seed({ instances: [{ name: 'api' }] }).instanceIds;
    const { ImageId } = await send(
      new CreateImageCommand({ InstanceId: instanceId, Name: 'api-1' }),
    );
    await send(new DeregisterImageCommand({ ImageId }));
    expect(service.nextImageStateChangeAtMs()).toBeUndefined();

    await sleep(BAKE_MS + ON_TIME_MS + 150);

    expect(received.map(({ event }) => [event.detail.ImageId, event.detail.State])).toEqual([
      [ImageId, 'deregistered'],
    ]);
  });

  it('should emit nothing for images restored already final, nor for other accounts', async () => {
    const clock = testClock();
    const first: ImageStateChange[] = [];
    const before = createEc2Service({
      now: clock.now,
      throttling: false,
      onImageStateChange: (change) => first.push(change),
    });
    const startMs = clock.now();
    before.seed({
      images: [
        { name: 'ready' },
        { name: 'broken', state: 'failed' },
        { name: 'baking', state: 'pending', availableAt: new Date(startMs + 1000).toISOString() },
      ],
    });
    clock.advance(1000);
    before.settle();
    expect(first.map((change) => change.state)).toEqual(['available']);

    const { received, send, service } = await startWithEvents({
      state: before.snapshotState(),
      fixture: {
        images: [
          {
            name: 'foreign',
            ownerId: '210987654321',
            public: true,
            state: 'pending',
            availableAt: new Date(Date.now() + 50).toISOString(),
          },
        ],
      },
    });
    service.settle();
    await send(new DescribeImagesCommand({ Owners: ['self'] }));
    await sleep(50 + ON_TIME_MS + 150);
    service.settle();

    expect(service.nextImageStateChangeAtMs()).toBeUndefined();
    const { Images } = await send(new DescribeImagesCommand({ Owners: ['210987654321'] }));
    expect(Images?.map((image) => image.State)).toEqual(['available']);
    expect(received).toEqual([]);
  });
});

describe('EC2 service image state changes', () => {
  it('should report each bake once, at its end, on settle; and tell when the next is due', () => {
    const clock = testClock();
    const changes: ImageStateChange[] = [];
    const service = createEc2Service({
      now: clock.now,
      throttling: false,
      onImageStateChange: (change) => changes.push(change),
    });
    const startMs = clock.now();
    const at = (ms: number) => new Date(startMs + ms).toISOString();
    const [later, sooner] = service.seed({
      images: [
        { name: 'later', state: 'pending', availableAt: at(3000) },
        { name: 'sooner', state: 'pending', availableAt: at(1000) },
        { name: 'done' },
      ],
    }).imageIds;
    expect(service.nextImageStateChangeAtMs()).toBe(startMs + 1000);

    clock.advance(999);
    service.settle();
    expect(changes).toEqual([]);
    clock.advance(1);
    service.settle();
    service.settle();
    expect(changes).toEqual([
      {
        imageId: sooner,
        ownerId: ACCOUNT,
        state: 'available',
        errorMessage: '',
        atMs: startMs + 1000,
      },
    ]);
    expect(service.nextImageStateChangeAtMs()).toBe(startMs + 3000);

    clock.advance(60_000);
    expect(service.state.images).toHaveLength(3);
    expect(changes.slice(1)).toEqual([
      {
        imageId: later,
        ownerId: ACCOUNT,
        state: 'available',
        errorMessage: '',
        atMs: startMs + 3000,
      },
    ]);
    expect(service.nextImageStateChangeAtMs()).toBeUndefined();
  });

  it('should deliver the changes a request settles before answering it', async () => {
    const clock = testClock();
    const seen: string[] = [];
    const service = createEc2Service({
      now: clock.now,
      throttling: false,
      onImageStateChange: (change) => seen.push(`${change.state} ${change.imageId}`),
    });
    const [imageId] = service.seed({
      images: [
        { name: 'x', state: 'pending', availableAt: new Date(clock.now() + 10).toISOString() },
      ],
    }).imageIds;
    clock.advance(10);
    const response = await service.handle({
      method: 'POST',
      path: '/',
      headers: {},
      body: `Action=DescribeImages&Version=2016-11-15&ImageId.1=${imageId}`,
    });
    expect(response.statusCode).toBe(200);
    expect(seen).toEqual([`available ${imageId}`]);
  });
});
