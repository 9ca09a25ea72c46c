import { type ChildProcess, spawn } from 'node:child_process';
import {
  CreateImageCommand,
  CreateTagsCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeTagsCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../e2e/local-cloud-process';
import { DUMMY_CREDENTIALS, errorOf, type RunningEc2, startEc2 } from './harness';

/**
 * moto is an independent EC2 emulator. Where both implement an operation, the SDK's parsed
 * answers must have the same shape (field paths and value types); ids and times differ by nature.
 */
// Started when the file is collected: whether it starts tells whether it is installed, without a
// `moto_server --help` first (a Python start of its own, about a second of CPU).
const motoPort = await freePort();
const moto: ChildProcess | undefined = await new Promise((resolve) => {
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(motoPort)], {
    stdio: 'ignore',
  });
  child.once('spawn', () => resolve(child));
  child.once('error', () => resolve(undefined));
});
if (!moto) console.warn('moto_server not found on PATH: skipping the moto comparison');
afterAll(() => {
  moto?.kill();
});

/** Every field path of a parsed answer with its value's type; lists contribute their first item. */
function shape(value: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) {
    out.set(path, 'array');
    if (value.length > 0) shape(value[0], `${path}[]`, out);
  } else if (value instanceof Date) out.set(path, 'date');
  else if (value !== null && typeof value === 'object') {
    out.set(path, 'object');
    for (const [key, child] of Object.entries(value)) {
      if (key !== '$metadata' && child !== undefined)
        shape(child, path ? `${path}.${key}` : key, out);
    }
  } else out.set(path, typeof value);
  return out;
}

/** Paths both answers have must agree on type; the listed paths must be present in both. */
function expectSameShape(ours: unknown, theirs: unknown, required: readonly string[]) {
  const a = shape(ours);
  const b = shape(theirs);
  const mismatched = [...a].filter(([path, type]) => b.has(path) && b.get(path) !== type);
  expect(mismatched).toEqual([]);
  expect(required.filter((path) => !a.has(path))).toEqual([]);
  expect(required.filter((path) => !b.has(path))).toEqual([]);
}

interface Side {
  client: EC2Client;
  imageId: string;
  /** Lets launched instances reach `running` (moto's are running at once). */
  afterLaunch(): void;
}

async function scenario({ client, imageId, afterLaunch }: Side) {
  const run = await client.send(
    new RunInstancesCommand({
      ImageId: imageId,
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      TagSpecifications: [
        { ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'service-api' }] },
      ],
    }),
  );
  const instanceId = run.Instances?.[0]?.InstanceId as string;
  afterLaunch();
  const instances = await client.send(
    new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: ['service-api'] }] }),
  );
  const created = await client.send(
    new CreateImageCommand({
      InstanceId: instanceId,
      Name: 'service-api-Deploy-2025-06-05_12_00',
      TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'Reason', Value: 'Deploy' }] }],
    }),
  );
  const newImage = created.ImageId as string;
  const images = await client.send(new DescribeImagesCommand({ ImageIds: [newImage] }));
  const snapshots = await client.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
  await client.send(
    new CreateTagsCommand({ Resources: [newImage], Tags: [{ Key: 'Team', Value: 'api' }] }),
  );
  const tags = await client.send(
    new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [newImage] }] }),
  );
  const deregistered = await client.send(new DeregisterImageCommand({ ImageId: newImage }));
  const notFound = await errorOf(
    client.send(new DescribeImagesCommand({ ImageIds: ['ami-0123456789abcdef0'] })),
  );
  return { run, instances, created, images, snapshots, tags, deregistered, notFound };
}

describe.skipIf(!moto)('shape comparison with moto_server', () => {
  let motoClient: EC2Client;
  let ec2: RunningEc2;

  beforeAll(async () => {
    const endpoint = `http://127.0.0.1:${motoPort}`;
    for (let attempt = 0; ; attempt += 1) {
      try {
        await fetch(`${endpoint}/moto-api/`);
        break;
      } catch (error) {
        if (moto === undefined || moto.exitCode !== null) {
          throw new Error(`moto_server exited (${moto?.exitCode})`);
        }
        if (attempt > 100) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    motoClient = new EC2Client({
      endpoint,
      region: 'us-east-1',
      credentials: DUMMY_CREDENTIALS,
      maxAttempts: 1,
    });
    ec2 = await startEc2();
  }, 30_000);

  afterAll(async () => {
    motoClient?.destroy();
    await ec2?.close();
  });

  it('should give the SDK answers of the same shape for the operations both implement', async () => {
    const motoImage = (await motoClient.send(new DescribeImagesCommand({ Owners: ['amazon'] })))
      .Images?.[0]?.ImageId as string;
    const [ourImage] = ec2.service.seed({
      images: [{ name: 'al2023', ownerId: '137112412989', ownerAlias: 'amazon', public: true }],
    }).imageIds as [string];
    const theirs = await scenario({
      client: motoClient,
      imageId: motoImage,
      afterLaunch: () => {},
    });
    const ours = await scenario({
      client: ec2.client,
      imageId: ourImage,
      afterLaunch: () => ec2.clock.advance(2_000),
    });

    expectSameShape(ours.run, theirs.run, [
      'ReservationId',
      'OwnerId',
      'Instances[].InstanceId',
      'Instances[].State.Code',
      'Instances[].State.Name',
      'Instances[].LaunchTime',
      'Instances[].Tags[].Key',
    ]);
    expectSameShape(ours.instances, theirs.instances, [
      'Reservations[].Instances[].InstanceId',
      'Reservations[].Instances[].ImageId',
      'Reservations[].Instances[].InstanceType',
      'Reservations[].Instances[].BlockDeviceMappings[].Ebs.VolumeId',
      'Reservations[].Instances[].Tags[].Value',
    ]);
    expectSameShape(ours.created, theirs.created, ['ImageId']);
    expectSameShape(ours.images, theirs.images, [
      'Images[].ImageId',
      'Images[].Name',
      'Images[].State',
      'Images[].OwnerId',
      'Images[].CreationDate',
      'Images[].Public',
      'Images[].BlockDeviceMappings[].DeviceName',
      'Images[].BlockDeviceMappings[].Ebs.SnapshotId',
      'Images[].Tags[].Key',
    ]);
    expectSameShape(ours.snapshots, theirs.snapshots, [
      'Snapshots[].SnapshotId',
      'Snapshots[].State',
      'Snapshots[].StartTime',
      'Snapshots[].Progress',
      'Snapshots[].VolumeSize',
      'Snapshots[].OwnerId',
    ]);
    expectSameShape(ours.tags, theirs.tags, [
      'Tags[].ResourceId',
      'Tags[].ResourceType',
      'Tags[].Key',
      'Tags[].Value',
    ]);
    expectSameShape(ours.deregistered, theirs.deregistered, []);
    expect([ours.notFound.name, ours.notFound.message]).toEqual([
      theirs.notFound.name,
      theirs.notFound.message,
    ]);
  });
});
