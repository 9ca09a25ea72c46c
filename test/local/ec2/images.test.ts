import {
  CreateImageCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  type DescribeImagesCommandInput,
  DescribeSnapshotsCommand,
  DisableImageDeregistrationProtectionCommand,
  EnableImageDeregistrationProtectionCommand,
  paginateDescribeImages,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorOf, type RunningEc2, startEc2 } from './harness';

let ec2: RunningEc2;
let instanceId: string;

beforeAll(async () => {
  ec2 = await startEc2({ bakeMs: 60_000 });
});
afterAll(() => ec2.close());
beforeEach(() => {
  ec2.service.reset();
  [instanceId] = ec2.service.seed({
    instances: [{ name: 'service-api', volumes: [{ sizeGiB: 8 }, { sizeGiB: 20 }] }],
  }).instanceIds as [string];
});

const create = (name: string, id = instanceId) =>
  ec2.client.send(
    new CreateImageCommand({
      InstanceId: id,
      Name: name,
      NoReboot: true,
      TagSpecifications: [
        { ResourceType: 'image', Tags: [{ Key: 'Reason', Value: 'Deploy' }] },
        { ResourceType: 'snapshot', Tags: [{ Key: 'Name', Value: name }] },
      ],
    }),
  );

const describeOne = async (imageId: string) => {
  const { Images } = await ec2.client.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
  return Images?.[0];
};

describe('CreateImage', () => {
  it('should make a pending image whose snapshots progress until it is available', async () => {
    const { ImageId } = await create('service-api-Deploy-2025-06-05_12_00');
    expect(ImageId).toMatch(/^ami-[0-9a-f]{17}$/);

    const pending = await describeOne(ImageId as string);
    expect(pending).toMatchObject({
      State: 'pending',
      Name: 'service-api-Deploy-2025-06-05_12_00',
      OwnerId: '123456789012',
      CreationDate: '2025-06-05T12:00:00.000Z',
      SourceInstanceId: instanceId,
      DeregistrationProtection: 'disabled',
      Tags: [{ Key: 'Reason', Value: 'Deploy' }],
    });
    const snapshotIds = pending?.BlockDeviceMappings?.map((m) => m.Ebs?.SnapshotId) as string[];
    expect(snapshotIds).toHaveLength(2);
    expect(pending?.BlockDeviceMappings?.map((m) => m.Ebs?.VolumeSize)).toEqual([8, 20]);

    ec2.clock.advance(30_000);
    const halfway = await ec2.client.send(
      new DescribeSnapshotsCommand({ SnapshotIds: snapshotIds }),
    );
    expect(halfway.Snapshots?.map((s) => [s.State, s.Progress])).toEqual([
      ['pending', '50%'],
      ['pending', '50%'],
    ]);
    expect(halfway.Snapshots?.[0]?.Tags).toEqual([
      { Key: 'Name', Value: 'service-api-Deploy-2025-06-05_12_00' },
    ]);
    expect((await describeOne(ImageId as string))?.State).toBe('pending');

    ec2.clock.advance(30_000);
    expect((await describeOne(ImageId as string))?.State).toBe('available');
    const done = await ec2.client.send(new DescribeSnapshotsCommand({ SnapshotIds: snapshotIds }));
    expect(done.Snapshots?.map((s) => [s.State, s.Progress])).toEqual([
      ['completed', '100%'],
      ['completed', '100%'],
    ]);
  });

  it('should fail images of an instance tagged local:fail-image, with a StateReason', async () => {
    const [failing] = ec2.service.seed({
      instances: [{ name: 'broken', tags: { 'local:fail-image': 'disk read error' } }],
    }).instanceIds as [string];
    const { ImageId } = await create('broken-image', failing);
    ec2.clock.advance(60_000);
    const image = await describeOne(ImageId as string);
    expect(image?.State).toBe('failed');
    expect(image?.StateReason).toEqual({
      Code: 'Server.InternalError',
      Message: 'disk read error',
    });
    const snapshotId = image?.BlockDeviceMappings?.[0]?.Ebs?.SnapshotId as string;
    const { Snapshots } = await ec2.client.send(
      new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }),
    );
    expect(Snapshots?.[0]?.State).toBe('error');
  });

  it('should take the bake time from an instance tagged local:bake-seconds', async () => {
    const [quick] = ec2.service.seed({
      instances: [{ name: 'quick', tags: { 'local:bake-seconds': '5' } }],
    }).instanceIds as [string];
    const { ImageId } = await create('quick-image', quick);
    ec2.clock.advance(4_999);
    expect((await describeOne(ImageId as string))?.State).toBe('pending');
    ec2.clock.advance(1);
    expect((await describeOne(ImageId as string))?.State).toBe('available');
  });

  it.each([
    ['ab', 'InvalidAMIName.Malformed'],
    ['x'.repeat(129), 'InvalidAMIName.Malformed'],
    ['bad#name', 'InvalidAMIName.Malformed'],
  ])('should reject the name %j with %s', async (name, code) => {
    expect((await errorOf(create(name))).name).toBe(code);
  });

  it("should accept every character AWS allows: letters, digits and ()[] ./-'@_", async () => {
    await expect(create("a-Z_0 (1) [2] ./'@x")).resolves.toHaveProperty('ImageId');
  });

  it('should reject a name the account already uses with InvalidAMIName.Duplicate', async () => {
    await create('taken-name');
    const error = await errorOf(create('taken-name'));
    expect(error.name).toBe('InvalidAMIName.Duplicate');
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });

  it('should answer InvalidInstanceID.NotFound and .Malformed for bad instance ids', async () => {
    expect((await errorOf(create('name-1', 'i-0123456789abcdef0'))).name).toBe(
      'InvalidInstanceID.NotFound',
    );
    expect((await errorOf(create('name-2', 'nope'))).name).toBe('InvalidInstanceID.Malformed');
  });

  it('should reject TagSpecifications for resource types CreateImage cannot tag', async () => {
    const error = await errorOf(
      ec2.client.send(
        new CreateImageCommand({
          InstanceId: instanceId,
          Name: 'with-instance-tags',
          TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'a', Value: 'b' }] }],
        }),
      ),
    );
    expect(error.name).toBe('InvalidParameterValue');
  });
});

describe('DescribeImages', () => {
  beforeEach(() => {
    ec2.service.seed({
      images: [
        { name: 'web-Deploy-2025-05-01_10_00', tags: { Reason: 'Deploy', Name: 'web' } },
        { name: 'web-Deploy-2025-05-02_10_00', tags: { Reason: 'Deploy', Name: 'web' } },
        { name: 'db-manual', tags: { Name: 'db' } },
        { name: 'old-disabled', state: 'disabled' },
        {
          name: 'al2023-ami-2023.1',
          ownerId: '137112412989',
          ownerAlias: 'amazon',
          public: true,
        },
        { name: 'someone-elses', ownerId: '999988887777' },
      ],
    });
  });

  const names = async (input: DescribeImagesCommandInput) => {
    const { Images } = await ec2.client.send(new DescribeImagesCommand(input));
    return (Images ?? []).map((image) => image.Name).sort();
  };

  it('should list own and public images, but never other accounts’ private ones', async () => {
    expect(await names({})).toEqual([
      'al2023-ami-2023.1',
      'db-manual',
      'web-Deploy-2025-05-01_10_00',
      'web-Deploy-2025-05-02_10_00',
    ]);
  });

  it('should select by Owners self, an alias and an account id', async () => {
    expect(await names({ Owners: ['self'] })).toEqual([
      'db-manual',
      'web-Deploy-2025-05-01_10_00',
      'web-Deploy-2025-05-02_10_00',
    ]);
    expect(await names({ Owners: ['amazon'] })).toEqual(['al2023-ami-2023.1']);
    expect(await names({ Owners: ['137112412989'] })).toEqual(['al2023-ami-2023.1']);
  });

  it('should include disabled images only with IncludeDisabled', async () => {
    expect(await names({ Owners: ['self'], IncludeDisabled: true })).toContain('old-disabled');
  });

  it('should apply tag:, tag-key, name wildcards, state, image-id, owner-id and is-public filters', async () => {
    expect(
      await names({
        Filters: [
          { Name: 'tag:Reason', Values: ['Deploy'] },
          { Name: 'tag:Name', Values: ['web'] },
        ],
      }),
    ).toEqual(['web-Deploy-2025-05-01_10_00', 'web-Deploy-2025-05-02_10_00']);
    expect(
      await names({ Owners: ['self'], Filters: [{ Name: 'tag-key', Values: ['Reason'] }] }),
    ).toHaveLength(2);
    expect(
      await names({ Filters: [{ Name: 'name', Values: ['web-Deploy-2025-05-0?_*'] }] }),
    ).toHaveLength(2);
    expect(await names({ Filters: [{ Name: 'name', Values: ['*manual', 'al2023*'] }] })).toEqual([
      'al2023-ami-2023.1',
      'db-manual',
    ]);
    expect(await names({ Filters: [{ Name: 'state', Values: ['pending'] }] })).toEqual([]);
    expect(await names({ Filters: [{ Name: 'is-public', Values: ['true'] }] })).toEqual([
      'al2023-ami-2023.1',
    ]);
    expect(await names({ Filters: [{ Name: 'owner-id', Values: ['123456789012'] }] })).toHaveLength(
      3,
    );
    const [first] =
      (await ec2.client.send(new DescribeImagesCommand({ Owners: ['self'] }))).Images ?? [];
    expect(
      await names({ Filters: [{ Name: 'image-id', Values: [first?.ImageId as string] }] }),
    ).toEqual([first?.Name]);
  });

  it('should reject an unsupported filter name with InvalidParameterValue', async () => {
    const error = await errorOf(
      ec2.client.send(
        new DescribeImagesCommand({ Filters: [{ Name: 'colour', Values: ['red'] }] }),
      ),
    );
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.message).toContain('colour');
  });

  it('should answer InvalidAMIID.NotFound and .Malformed for ImageIds as AWS does', async () => {
    const missing = await errorOf(
      ec2.client.send(new DescribeImagesCommand({ ImageIds: ['ami-0123456789abcdef0'] })),
    );
    expect(missing.name).toBe('InvalidAMIID.NotFound');
    expect(missing.message).toBe("The image id '[ami-0123456789abcdef0]' does not exist");
    const malformed = await errorOf(
      ec2.client.send(new DescribeImagesCommand({ ImageIds: ['image-1'] })),
    );
    expect(malformed.name).toBe('InvalidAMIID.Malformed');
  });

  it('should reject MaxResults together with ImageIds, and MaxResults below 6', async () => {
    const [image] =
      (await ec2.client.send(new DescribeImagesCommand({ Owners: ['self'] }))).Images ?? [];
    const combined = await errorOf(
      ec2.client.send(
        new DescribeImagesCommand({ ImageIds: [image?.ImageId as string], MaxResults: 10 }),
      ),
    );
    expect(combined.name).toBe('InvalidParameterCombination');
    const small = await errorOf(ec2.client.send(new DescribeImagesCommand({ MaxResults: 5 })));
    expect(small.name).toBe('InvalidParameterValue');
  });

  it('should page with MaxResults/NextToken and the SDK paginator, every image exactly once', async () => {
    ec2.service.seed({
      images: Array.from({ length: 25 }, (_, n) => ({ name: `bulk-${n}`, tags: { Batch: 'b' } })),
    });
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeImages(
      { client: ec2.client, pageSize: 10 },
      { Owners: ['self'], Filters: [{ Name: 'tag:Batch', Values: ['b'] }] },
    )) {
      pages += 1;
      seen.push(...(page.Images ?? []).map((image) => image.Name as string));
    }
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(25);
  });

  it('should not skip images when earlier ones are deregistered between pages', async () => {
    ec2.service.seed({
      images: Array.from({ length: 12 }, (_, n) => ({ name: `purge-${n}`, tags: { P: '1' } })),
    });
    const filter = { Owners: ['self'], Filters: [{ Name: 'tag:P', Values: ['1'] }], MaxResults: 6 };
    const first = await ec2.client.send(new DescribeImagesCommand(filter));
    for (const image of first.Images ?? []) {
      await ec2.client.send(new DeregisterImageCommand({ ImageId: image.ImageId as string }));
    }
    const second = await ec2.client.send(
      new DescribeImagesCommand({ ...filter, NextToken: first.NextToken }),
    );
    expect(second.Images).toHaveLength(6);
    expect(second.NextToken).toBeUndefined();
  });

  it('should reject a NextToken it did not issue', async () => {
    const error = await errorOf(
      ec2.client.send(new DescribeImagesCommand({ MaxResults: 10, NextToken: 'garbage' })),
    );
    expect(error.name).toBe('InvalidPaginationToken');
  });
});

describe('DeregisterImage', () => {
  it('should delete the associated snapshots, skipping one that another image uses', async () => {
    const seeded = ec2.service.seed({
      snapshots: [{ snapshotId: 'snap-0000000000000000a' }],
      images: [
        { name: 'old', snapshots: [{ snapshotId: 'snap-0000000000000000a' }, { sizeGiB: 20 }] },
        { name: 'shares-root', snapshots: [{ snapshotId: 'snap-0000000000000000a' }] },
      ],
    });
    const [oldImage] = seeded.imageIds as [string];
    const own = (await describeOne(oldImage))?.BlockDeviceMappings?.[1]?.Ebs?.SnapshotId;

    const result = await ec2.client.send(
      new DeregisterImageCommand({ ImageId: oldImage, DeleteAssociatedSnapshots: true }),
    );
    expect(result.Return).toBe(true);
    expect(result.DeleteSnapshotResults).toEqual([
      { SnapshotId: 'snap-0000000000000000a', ReturnCode: 'skipped' },
      { SnapshotId: own, ReturnCode: 'success' },
    ]);
    expect((await errorOf(describeOne(oldImage))).name).toBe('InvalidAMIID.NotFound');
    const { Snapshots } = await ec2.client.send(
      new DescribeSnapshotsCommand({ OwnerIds: ['self'] }),
    );
    expect(Snapshots?.map((s) => s.SnapshotId)).toEqual(['snap-0000000000000000a']);
  });

  it('should keep the snapshots without DeleteAssociatedSnapshots', async () => {
    const [imageId] = ec2.service.seed({ images: [{ name: 'keep-snaps' }] }).imageIds as [string];
    const result = await ec2.client.send(new DeregisterImageCommand({ ImageId: imageId }));
    expect(result.DeleteSnapshotResults).toBeUndefined();
    const { Snapshots } = await ec2.client.send(
      new DescribeSnapshotsCommand({ OwnerIds: ['self'] }),
    );
    expect(Snapshots).toHaveLength(1);
  });

  it('should report internal-error for a snapshot tagged local:fail-delete', async () => {
    const [imageId] = ec2.service.seed({
      images: [{ name: 'stuck', snapshots: [{ tags: { 'local:fail-delete': 'true' } }] }],
    }).imageIds as [string];
    const result = await ec2.client.send(
      new DeregisterImageCommand({ ImageId: imageId, DeleteAssociatedSnapshots: true }),
    );
    expect(result.DeleteSnapshotResults?.[0]?.ReturnCode).toBe('internal-error');
  });

  it('should refuse a protected image until protection is disabled', async () => {
    const [imageId] = ec2.service.seed({ images: [{ name: 'guarded' }] }).imageIds as [string];
    await ec2.client.send(new EnableImageDeregistrationProtectionCommand({ ImageId: imageId }));
    expect((await describeOne(imageId))?.DeregistrationProtection).toBe('enabled-without-cooldown');
    const refused = await errorOf(
      ec2.client.send(new DeregisterImageCommand({ ImageId: imageId })),
    );
    expect(refused.name).toBe('OperationNotPermitted');
    await ec2.client.send(new DisableImageDeregistrationProtectionCommand({ ImageId: imageId }));
    expect((await describeOne(imageId))?.DeregistrationProtection).toBe('disabled');
    await expect(
      ec2.client.send(new DeregisterImageCommand({ ImageId: imageId })),
    ).resolves.toMatchObject({
      Return: true,
    });
  });

  it('should keep protecting for 24 hours after disabling protection enabled with cooldown', async () => {
    const [imageId] = ec2.service.seed({ images: [{ name: 'cooled' }] }).imageIds as [string];
    await ec2.client.send(
      new EnableImageDeregistrationProtectionCommand({ ImageId: imageId, WithCooldown: true }),
    );
    await ec2.client.send(new DisableImageDeregistrationProtectionCommand({ ImageId: imageId }));
    expect((await describeOne(imageId))?.DeregistrationProtection).toMatch(/^disabled-until-/);
    expect(
      (await errorOf(ec2.client.send(new DeregisterImageCommand({ ImageId: imageId })))).name,
    ).toBe('OperationNotPermitted');
    ec2.clock.advance(24 * 60 * 60 * 1000);
    await expect(
      ec2.client.send(new DeregisterImageCommand({ ImageId: imageId })),
    ).resolves.toBeDefined();
  });

  it('should seed a protected image from the fixture', async () => {
    const [imageId] = ec2.service.seed({
      images: [{ name: 'seeded-guard', deregistrationProtection: true }],
    }).imageIds as [string];
    expect(
      (await errorOf(ec2.client.send(new DeregisterImageCommand({ ImageId: imageId })))).name,
    ).toBe('OperationNotPermitted');
  });
});
