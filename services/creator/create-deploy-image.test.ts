import {
  CreateImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDeployImage, type DeployImageRequest } from './create-deploy-image';
import { ec2Error, fakeEc2Account } from './fake-cloud.test-double';

const client = new EC2Client({ region: 'ap-northeast-2' });
const clock = () => new Date('2025-06-05T12:00:07.000Z');
const request: DeployImageRequest = {
  requestId: '01JDEPLOY0000000000000001',
  instanceName: 'service-api',
  noReboot: true,
  timeZone: 'UTC',
};
const INSTANCE = 'i-0123456789abcdef0';
const EXPECTED_TAGS = [
  { Key: 'Name', Value: 'service-api-Deploy-2025-06-05_12_00' },
  { Key: 'Reason', Value: 'Deploy' },
  { Key: 'ami-lifecycle:instance-name', Value: 'service-api' },
  { Key: 'ami-lifecycle:instance-id', Value: INSTANCE },
  { Key: 'ami-lifecycle:request-id', Value: '01JDEPLOY0000000000000001' },
];
/** The tags of an image request release-41 made from the same instance in the same minute. */
const OTHER_REQUEST_TAGS = EXPECTED_TAGS.map((tag) =>
  tag.Key === 'ami-lifecycle:request-id' ? { ...tag, Value: 'release-41' } : tag,
);

describe('createDeployImage', () => {
  let account: ReturnType<typeof fakeEc2Account>;

  beforeEach(() => {
    account = fakeEc2Account();
    account.addInstance({ id: INSTANCE, name: 'service-api', launchTime: '2025-05-01T00:00:00Z' });
  });

  it('should create the image with the seed name and tag both image and snapshots', async () => {
    // Act
    const outcome = await createDeployImage(client, clock, request);

    // Assess
    expect(outcome).toEqual({
      kind: 'created',
      reused: false,
      createdAt: clock(),
      image: {
        requestId: '01JDEPLOY0000000000000001',
        instanceName: 'service-api',
        instanceId: INSTANCE,
        imageId: 'ami-00000000000000001',
        imageName: 'service-api-Deploy-2025-06-05_12_00',
      },
    });
    expect(account.ec2).toHaveReceivedCommandWith(CreateImageCommand, {
      InstanceId: INSTANCE,
      Name: 'service-api-Deploy-2025-06-05_12_00',
      NoReboot: true,
      TagSpecifications: [
        { ResourceType: 'image', Tags: EXPECTED_TAGS },
        { ResourceType: 'snapshot', Tags: EXPECTED_TAGS },
      ],
    });
  });

  it('should pass NoReboot false when asked to reboot for a filesystem-consistent image', async () => {
    await createDeployImage(client, clock, { ...request, noReboot: false });
    expect(account.ec2).toHaveReceivedCommandWith(CreateImageCommand, { NoReboot: false });
  });

  it('should reuse the image an earlier delivery made, found by its tags, without CreateImage', async () => {
    // Prepare: made a minute earlier; the source instance has been replaced since.
    account.addImage({
      ImageId: 'ami-0aaaaaaaaaaaaaaa1',
      Name: 'service-api-Deploy-2025-06-05_11_59',
      CreationDate: '2025-06-05T11:59:40.000Z',
      Tags: EXPECTED_TAGS.map((tag) =>
        tag.Key === 'ami-lifecycle:instance-id' ? { ...tag, Value: 'i-0fffffffffffffff0' } : tag,
      ),
    });

    // Act
    const outcome = await createDeployImage(client, clock, request);

    // Assess
    expect(outcome).toMatchObject({
      kind: 'created',
      reused: true,
      createdAt: new Date('2025-06-05T11:59:40.000Z'),
      image: { imageId: 'ami-0aaaaaaaaaaaaaaa1', instanceId: 'i-0fffffffffffffff0' },
    });
    expect(account.ec2).not.toHaveReceivedCommand(CreateImageCommand);
    expect(account.ec2).toHaveReceivedCommandWith(DescribeImagesCommand, {
      Owners: ['self'],
      Filters: [
        { Name: 'tag:ami-lifecycle:request-id', Values: ['01JDEPLOY0000000000000001'] },
        { Name: 'tag:ami-lifecycle:instance-name', Values: ['service-api'] },
      ],
    });
  });

  it('should not reuse an image of the same request made for another instance name', async () => {
    account.addImage({
      ImageId: 'ami-0aaaaaaaaaaaaaaa1',
      Name: 'service-worker-Deploy-2025-06-05_12_00',
      Tags: [
        { Key: 'ami-lifecycle:request-id', Value: '01JDEPLOY0000000000000001' },
        { Key: 'ami-lifecycle:instance-name', Value: 'service-worker' },
      ],
    });
    const outcome = await createDeployImage(client, clock, request);
    expect(outcome).toMatchObject({ kind: 'created', reused: false });
    expect(account.ec2).toHaveReceivedCommandTimes(CreateImageCommand, 1);
  });

  it('should fail with instance-not-found when no running instance has the name', async () => {
    const outcome = await createDeployImage(client, clock, { ...request, instanceName: 'ghost' });
    expect(outcome).toEqual({
      kind: 'failed',
      instanceName: 'ghost',
      reason: 'instance-not-found',
      message: 'No running instance has the Name tag "ghost".',
    });
    expect(account.ec2).not.toHaveReceivedCommand(CreateImageCommand);
  });

  it('should resolve a duplicate name to its own image when the tag lookup had not seen it yet', async () => {
    // Prepare: DescribeImages by tag is eventually consistent and misses the image a concurrent
    // delivery has just made; CreateImage then finds the name taken.
    account.addImage(
      {
        ImageId: 'ami-0aaaaaaaaaaaaaaa1',
        Name: 'service-api-Deploy-2025-06-05_12_00',
        CreationDate: '2025-06-05T12:00:02.000Z',
        Tags: EXPECTED_TAGS,
      },
      { tagIndexed: false },
    );

    // Act
    const outcome = await createDeployImage(client, clock, request);

    // Assess
    expect(outcome).toMatchObject({
      kind: 'created',
      reused: true,
      image: { imageId: 'ami-0aaaaaaaaaaaaaaa1', instanceId: INSTANCE },
    });
    expect(account.ec2).toHaveReceivedCommandWith(DescribeImagesCommand, {
      Owners: ['self'],
      Filters: [{ Name: 'name', Values: ['service-api-Deploy-2025-06-05_12_00'] }],
    });
  });

  it('should join the image another request made from the same instance in the same minute', async () => {
    // Prepare: request release-41 imaged the same instance seconds ago, under the same name.
    account.addImage({
      ImageId: 'ami-0bbbbbbbbbbbbbbb2',
      Name: 'service-api-Deploy-2025-06-05_12_00',
      CreationDate: '2025-06-05T12:00:02.000Z',
      Tags: OTHER_REQUEST_TAGS,
    });

    // Act
    const outcome = await createDeployImage(client, clock, request);

    // Assess: this request's outcome is that image, announced under this request's id.
    expect(outcome).toEqual({
      kind: 'created',
      reused: true,
      joinedRequestId: 'release-41',
      createdAt: new Date('2025-06-05T12:00:02.000Z'),
      image: {
        requestId: '01JDEPLOY0000000000000001',
        instanceName: 'service-api',
        instanceId: INSTANCE,
        imageId: 'ami-0bbbbbbbbbbbbbbb2',
        imageName: 'service-api-Deploy-2025-06-05_12_00',
      },
    });
    // The image keeps the tags of the request that made it.
    expect(account.images).toHaveLength(1);
    expect(account.images[0]?.Tags).toContainEqual({
      Key: 'ami-lifecycle:request-id',
      Value: 'release-41',
    });
  });

  it('should fail with create-failed when the image of the same minute comes from another instance', async () => {
    // Prepare: the other request picked an instance since replaced (or older than this one).
    account.addImage({
      ImageId: 'ami-0bbbbbbbbbbbbbbb2',
      Name: 'service-api-Deploy-2025-06-05_12_00',
      Tags: EXPECTED_TAGS.map((tag) => {
        if (tag.Key === 'ami-lifecycle:request-id') return { ...tag, Value: 'release-41' };
        if (tag.Key === 'ami-lifecycle:instance-id')
          return { ...tag, Value: 'i-0fffffffffffffff0' };
        return tag;
      }),
    });

    const outcome = await createDeployImage(client, clock, request);

    expect(outcome).toMatchObject({
      kind: 'failed',
      reason: 'create-failed',
      instanceId: INSTANCE,
      imageName: 'service-api-Deploy-2025-06-05_12_00',
    });
    expect(outcome.kind === 'failed' && outcome.message).toMatch(
      /^InvalidAMIName\.Duplicate: .*ami-0bbbbbbbbbbbbbbb2 of request release-41, made from i-0fffffffffffffff0/,
    );
  });

  it.each([
    ['no tags', []],
    [
      'another reason',
      OTHER_REQUEST_TAGS.map((tag) => (tag.Key === 'Reason' ? { ...tag, Value: 'Backup' } : tag)),
    ],
    [
      'another instance name',
      OTHER_REQUEST_TAGS.map((tag) =>
        tag.Key === 'ami-lifecycle:instance-name' ? { ...tag, Value: 'service-api-2' } : tag,
      ),
    ],
  ])(
    'should fail with create-failed when the taken name is an image this system did not make (%s)',
    async (_, tags) => {
      account.addImage({
        ImageId: 'ami-0ccccccccccccccc3',
        Name: 'service-api-Deploy-2025-06-05_12_00',
        Tags: tags,
      });

      const outcome = await createDeployImage(client, clock, request);

      expect(outcome).toMatchObject({
        kind: 'failed',
        reason: 'create-failed',
        instanceId: INSTANCE,
      });
      expect(outcome.kind === 'failed' && outcome.message).toMatch(
        /^InvalidAMIName\.Duplicate: .*ami-0ccccccccccccccc3, an image this system did not make/,
      );
    },
  );

  it('should defer when the duplicate name belongs to an image not visible yet', async () => {
    account.ec2
      .on(CreateImageCommand)
      .rejects(ec2Error('InvalidAMIName.Duplicate', 'AMI name is already in use'));

    const outcome = await createDeployImage(client, clock, request);

    expect(outcome).toMatchObject({ kind: 'deferred', instanceName: 'service-api' });
  });

  it('should turn any other EC2 error into create-failed with its code and message', async () => {
    account.ec2
      .on(CreateImageCommand)
      .rejects(ec2Error('IncorrectState', 'The instance is not in a valid state'));

    const outcome = await createDeployImage(client, clock, request);

    expect(outcome).toEqual({
      kind: 'failed',
      instanceName: 'service-api',
      reason: 'create-failed',
      message: 'IncorrectState: The instance is not in a valid state',
      instanceId: INSTANCE,
      imageName: 'service-api-Deploy-2025-06-05_12_00',
    });
  });

  it('should leave a throttled lookup to a later delivery instead of failing the name', async () => {
    const throttled = ec2Error('RequestLimitExceeded', 'Request limit exceeded.');
    account.ec2.on(DescribeImagesCommand).rejects(throttled);

    const outcome = await createDeployImage(client, clock, request);

    expect(outcome).toEqual({
      kind: 'deferred',
      instanceName: 'service-api',
      message: 'RequestLimitExceeded: Request limit exceeded.',
      error: throttled,
    });
    expect(account.ec2).not.toHaveReceivedCommand(CreateImageCommand);
  });

  it.each(['InternalError', 'Unavailable', 'ServiceUnavailable'])(
    'should leave a CreateImage answered %s to a later delivery',
    async (code) => {
      account.failCreateImage(INSTANCE, ec2Error(code, 'try again later'));

      const outcome = await createDeployImage(client, clock, request);

      expect(outcome).toMatchObject({ kind: 'deferred', message: `${code}: try again later` });
    },
  );

  it('should leave a DescribeInstances that timed out to a later delivery', async () => {
    account.ec2
      .on(DescribeInstancesCommand)
      .rejects(Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }));

    const outcome = await createDeployImage(client, clock, request);

    expect(outcome).toMatchObject({ kind: 'deferred', message: 'TimeoutError: socket timed out' });
  });

  it.each([
    ['InvalidInstanceID.NotFound', "The instance ID 'i-0123456789abcdef0' does not exist"],
    ['UnauthorizedOperation', 'You are not authorized to perform this operation.'],
    ['InvalidAMIName.Malformed', 'AMI names must be between 3 and 128 characters long'],
  ])('should end the name with create-failed when CreateImage answers %s', async (code, text) => {
    account.failCreateImage(INSTANCE, ec2Error(code, text));

    const outcome = await createDeployImage(client, clock, request);

    expect(outcome).toMatchObject({
      kind: 'failed',
      reason: 'create-failed',
      message: `${code}: ${text}`,
    });
  });
});
