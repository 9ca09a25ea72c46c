import {
  DescribeInstancesCommand,
  paginateDescribeInstances,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorOf, type RunningEc2, startEc2 } from './harness';

let ec2: RunningEc2;
let baseImage: string;

beforeAll(async () => {
  ec2 = await startEc2({ instanceTransitionMs: 1_000, terminatedVisibleMs: 60_000 });
});
afterAll(() => ec2.close());
beforeEach(() => {
  ec2.service.reset();
  [baseImage] = ec2.service.seed({
    images: [{ name: 'al2023', ownerId: '137112412989', ownerAlias: 'amazon', public: true }],
  }).imageIds as [string];
});

const run = (name: string, count = 1) =>
  ec2.client.send(
    new RunInstancesCommand({
      ImageId: baseImage,
      InstanceType: 't3.micro',
      MinCount: count,
      MaxCount: count,
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: name }] }],
    }),
  );

const stateOf = async (instanceId: string) => {
  const { Reservations } = await ec2.client.send(
    new DescribeInstancesCommand({ InstanceIds: [instanceId] }),
  );
  return Reservations?.[0]?.Instances?.[0]?.State;
};

describe('RunInstances and DescribeInstances', () => {
  it('should launch tagged instances that go pending → running', async () => {
    const reservation = await run('service-api', 2);
    expect(reservation.ReservationId).toMatch(/^r-[0-9a-f]{17}$/);
    expect(reservation.OwnerId).toBe('123456789012');
    const [first] = reservation.Instances ?? [];
    expect(first).toMatchObject({
      ImageId: baseImage,
      InstanceType: 't3.micro',
      State: { Code: 0, Name: 'pending' },
      LaunchTime: new Date('2025-06-05T12:00:00Z'),
      Tags: [{ Key: 'Name', Value: 'service-api' }],
    });
    expect(first?.InstanceId).toMatch(/^i-[0-9a-f]{17}$/);
    expect(reservation.Instances).toHaveLength(2);
    ec2.clock.advance(1_000);
    expect(await stateOf(first?.InstanceId as string)).toEqual({ Code: 16, Name: 'running' });
  });

  it('should filter by tag:Name, instance-state-name, image-id and instance-id', async () => {
    const api = (await run('service-api')).Instances?.[0]?.InstanceId as string;
    await run('service-worker');
    ec2.clock.advance(1_000);
    await ec2.client.send(new StopInstancesCommand({ InstanceIds: [api] }));
    const ids = async (filters: { Name: string; Values: string[] }[]) => {
      const { Reservations } = await ec2.client.send(
        new DescribeInstancesCommand({ Filters: filters }),
      );
      return (Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId);
    };
    expect(await ids([{ Name: 'tag:Name', Values: ['service-api'] }])).toEqual([api]);
    expect(
      await ids([
        { Name: 'tag:Name', Values: ['service-*'] },
        { Name: 'instance-state-name', Values: ['running'] },
      ]),
    ).toHaveLength(1);
    expect(await ids([{ Name: 'image-id', Values: [baseImage] }])).toHaveLength(2);
    expect(await ids([{ Name: 'instance-id', Values: [api] }])).toEqual([api]);
    expect((await errorOf(ids([{ Name: 'tag-keys', Values: ['x'] }]))).name).toBe(
      'InvalidParameterValue',
    );
  });

  it('should page instances with the SDK paginator', async () => {
    await run('many', 12);
    let total = 0;
    let pages = 0;
    for await (const page of paginateDescribeInstances({ client: ec2.client, pageSize: 5 }, {})) {
      pages += 1;
      total += (page.Reservations ?? []).reduce((n, r) => n + (r.Instances?.length ?? 0), 0);
    }
    expect([pages, total]).toEqual([3, 12]);
  });

  it('should answer InvalidInstanceID.NotFound for an unknown id', async () => {
    const error = await errorOf(stateOf('i-0123456789abcdef0'));
    expect(error.name).toBe('InvalidInstanceID.NotFound');
  });

  it('should refuse an unknown image with InvalidAMIID.NotFound', async () => {
    const error = await errorOf(
      ec2.client.send(
        new RunInstancesCommand({ ImageId: 'ami-0123456789abcdef0', MinCount: 1, MaxCount: 1 }),
      ),
    );
    expect(error.name).toBe('InvalidAMIID.NotFound');
  });
});

describe('Start, Stop and TerminateInstances', () => {
  it('should move through stopping → stopped → pending → running with previous and current states', async () => {
    const id = (await run('cycle')).Instances?.[0]?.InstanceId as string;
    ec2.clock.advance(1_000);
    const stopped = await ec2.client.send(new StopInstancesCommand({ InstanceIds: [id] }));
    expect(stopped.StoppingInstances?.[0]).toMatchObject({
      InstanceId: id,
      PreviousState: { Name: 'running', Code: 16 },
      CurrentState: { Name: 'stopping', Code: 64 },
    });
    ec2.clock.advance(1_000);
    expect((await stateOf(id))?.Name).toBe('stopped');
    const started = await ec2.client.send(new StartInstancesCommand({ InstanceIds: [id] }));
    expect(started.StartingInstances?.[0]?.CurrentState?.Name).toBe('pending');
    ec2.clock.advance(1_000);
    expect((await stateOf(id))?.Name).toBe('running');
  });

  it('should keep terminated instances visible for a while, then drop them', async () => {
    const id = (await run('doomed')).Instances?.[0]?.InstanceId as string;
    const terminated = await ec2.client.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    expect(terminated.TerminatingInstances?.[0]?.CurrentState?.Name).toBe('shutting-down');
    ec2.clock.advance(1_000);
    expect((await stateOf(id))?.Name).toBe('terminated');
    const cannotStart = await errorOf(
      ec2.client.send(new StartInstancesCommand({ InstanceIds: [id] })),
    );
    expect(cannotStart.name).toBe('IncorrectInstanceState');
    ec2.clock.advance(60_000);
    expect((await errorOf(stateOf(id))).name).toBe('InvalidInstanceID.NotFound');
  });
});
