import {
  CreateLaunchTemplateCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeleteTagsCommand,
  DescribeImagesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSnapshotsCommand,
  type DescribeSnapshotsCommandInput,
  DescribeTagsCommand,
  paginateDescribeSnapshots,
  paginateDescribeTags,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorOf, type RunningEc2, startEc2 } from './harness';

let ec2: RunningEc2;
let imageId: string;
let looseSnapshot: string;

beforeAll(async () => {
  ec2 = await startEc2();
});
afterAll(() => ec2.close());
beforeEach(() => {
  ec2.service.reset();
  const seeded = ec2.service.seed({
    snapshots: [{ tags: { Team: 'data' } }],
    images: [{ name: 'web-1', tags: { Reason: 'Deploy' }, snapshots: 2 }],
    launchTemplates: [
      {
        name: 'web-lt',
        versions: [{ imageId: 'ami-0000000000000000a' }, { imageId: 'ami-0000000000000000b' }],
      },
      {
        name: 'db-lt',
        defaultVersion: 1,
        versions: [{ imageId: 'ami-0000000000000000c', instanceType: 't3.large' }],
      },
    ],
  });
  [imageId] = seeded.imageIds as [string];
  [looseSnapshot] = seeded.snapshotIds as [string];
});

describe('DescribeSnapshots and DeleteSnapshot', () => {
  it('should filter by tag, snapshot-id and status, and list OwnerIds self', async () => {
    const ids = async (input: DescribeSnapshotsCommandInput) =>
      ((await ec2.client.send(new DescribeSnapshotsCommand(input))).Snapshots ?? []).map(
        (s) => s.SnapshotId,
      );
    expect(await ids({ OwnerIds: ['self'] })).toHaveLength(3);
    expect(await ids({ Filters: [{ Name: 'tag:Reason', Values: ['Deploy'] }] })).toHaveLength(2);
    expect(await ids({ Filters: [{ Name: 'snapshot-id', Values: [looseSnapshot] }] })).toEqual([
      looseSnapshot,
    ]);
    expect(await ids({ Filters: [{ Name: 'status', Values: ['pending'] }] })).toEqual([]);
    expect((await errorOf(ids({ Filters: [{ Name: 'size', Values: ['8'] }] }))).name).toBe(
      'InvalidParameterValue',
    );
  });

  it('should page with the SDK paginator', async () => {
    ec2.service.seed({ snapshots: Array.from({ length: 11 }, () => ({})) });
    const seen: string[] = [];
    for await (const page of paginateDescribeSnapshots(
      { client: ec2.client, pageSize: 5 },
      { OwnerIds: ['self'] },
    )) {
      seen.push(...(page.Snapshots ?? []).map((s) => s.SnapshotId as string));
    }
    expect(new Set(seen).size).toBe(14);
  });

  it('should refuse to delete a snapshot an image uses with InvalidSnapshot.InUse', async () => {
    const image = (await ec2.client.send(new DescribeImagesCommand({ ImageIds: [imageId] })))
      .Images?.[0];
    const used = image?.BlockDeviceMappings?.[0]?.Ebs?.SnapshotId as string;
    const error = await errorOf(ec2.client.send(new DeleteSnapshotCommand({ SnapshotId: used })));
    expect(error.name).toBe('InvalidSnapshot.InUse');
    expect(error.message).toContain(imageId);
  });

  it('should delete a free snapshot, then answer InvalidSnapshot.NotFound', async () => {
    await ec2.client.send(new DeleteSnapshotCommand({ SnapshotId: looseSnapshot }));
    const error = await errorOf(
      ec2.client.send(new DescribeSnapshotsCommand({ SnapshotIds: [looseSnapshot] })),
    );
    expect(error.name).toBe('InvalidSnapshot.NotFound');
  });
});

describe('CreateTags, DeleteTags and DescribeTags', () => {
  it('should add, overwrite and delete tags, seen by DescribeTags filters', async () => {
    await ec2.client.send(
      new CreateTagsCommand({
        Resources: [imageId, looseSnapshot],
        Tags: [
          { Key: 'Reason', Value: 'Rollback' },
          { Key: 'Owner', Value: 'ops' },
        ],
      }),
    );
    const { Tags } = await ec2.client.send(
      new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [imageId] }] }),
    );
    expect(Tags).toEqual([
      { ResourceId: imageId, ResourceType: 'image', Key: 'Owner', Value: 'ops' },
      { ResourceId: imageId, ResourceType: 'image', Key: 'Reason', Value: 'Rollback' },
    ]);
    await ec2.client.send(
      new DeleteTagsCommand({
        Resources: [imageId],
        Tags: [{ Key: 'Owner' }, { Key: 'Reason', Value: 'other' }],
      }),
    );
    const after = await ec2.client.send(
      new DescribeTagsCommand({
        Filters: [
          { Name: 'resource-type', Values: ['image'] },
          { Name: 'key', Values: ['Owner', 'Reason'] },
        ],
      }),
    );
    expect(after.Tags?.map((t) => `${t.Key}=${t.Value}`)).toEqual(['Reason=Rollback']);
  });

  it('should reject unknown resources and reserved keys, changing nothing', async () => {
    const missing = await errorOf(
      ec2.client.send(
        new CreateTagsCommand({
          Resources: [imageId, 'ami-0123456789abcdef0'],
          Tags: [{ Key: 'k', Value: 'v' }],
        }),
      ),
    );
    expect(missing.name).toBe('InvalidAMIID.NotFound');
    const reserved = await errorOf(
      ec2.client.send(
        new CreateTagsCommand({ Resources: [imageId], Tags: [{ Key: 'aws:x', Value: 'v' }] }),
      ),
    );
    expect(reserved.name).toBe('InvalidParameterValue');
    const { Tags } = await ec2.client.send(
      new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [imageId] }] }),
    );
    expect(Tags?.map((t) => t.Key)).toEqual(['Reason']);
  });

  it('should page DescribeTags without repeating or skipping a tag', async () => {
    ec2.service.seed({
      snapshots: Array.from({ length: 4 }, (_, n) => ({ tags: { a: `${n}`, b: `${n}` } })),
    });
    const seen: string[] = [];
    for await (const page of paginateDescribeTags({ client: ec2.client, pageSize: 5 }, {})) {
      seen.push(...(page.Tags ?? []).map((t) => `${t.ResourceId}/${t.Key}`));
    }
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
  });
});

describe('Launch templates', () => {
  it('should create a template and describe it by name and by filter', async () => {
    const { LaunchTemplate } = await ec2.client.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'api-lt',
        LaunchTemplateData: { ImageId: imageId, InstanceType: 't3.micro' },
        TagSpecifications: [
          { ResourceType: 'launch-template', Tags: [{ Key: 'Team', Value: 'api' }] },
        ],
      }),
    );
    expect(LaunchTemplate).toMatchObject({
      LaunchTemplateName: 'api-lt',
      DefaultVersionNumber: 1,
      LatestVersionNumber: 1,
      Tags: [{ Key: 'Team', Value: 'api' }],
    });
    const byName = await ec2.client.send(
      new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['api-lt'] }),
    );
    expect(byName.LaunchTemplates?.[0]?.LaunchTemplateId).toBe(LaunchTemplate?.LaunchTemplateId);
    const byFilter = await ec2.client.send(
      new DescribeLaunchTemplatesCommand({
        Filters: [{ Name: 'launch-template-name', Values: ['*-lt'] }],
      }),
    );
    expect(byFilter.LaunchTemplates).toHaveLength(3);
    const duplicate = await errorOf(
      ec2.client.send(
        new CreateLaunchTemplateCommand({ LaunchTemplateName: 'api-lt', LaunchTemplateData: {} }),
      ),
    );
    expect(duplicate.name).toBe('InvalidLaunchTemplateName.AlreadyExistsException');
    const unknown = await errorOf(
      ec2.client.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['nope-lt'] })),
    );
    expect(unknown.name).toBe('InvalidLaunchTemplateName.NotFoundException');
  });

  it('should resolve $Latest and $Default of one template and across all templates', async () => {
    const latest = await ec2.client.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateName: 'web-lt',
        Versions: ['$Latest'],
      }),
    );
    expect(
      latest.LaunchTemplateVersions?.map((v) => [
        v.VersionNumber,
        v.DefaultVersion,
        v.LaunchTemplateData?.ImageId,
      ]),
    ).toEqual([[2, false, 'ami-0000000000000000b']]);
    const all = await ec2.client.send(
      new DescribeLaunchTemplateVersionsCommand({ Versions: ['$Latest', '$Default'] }),
    );
    expect(all.LaunchTemplateVersions?.map((v) => v.LaunchTemplateData?.ImageId).sort()).toEqual([
      'ami-0000000000000000a',
      'ami-0000000000000000b',
      'ami-0000000000000000c',
    ]);
    const everyVersion = await ec2.client.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'web-lt' }),
    );
    expect(everyVersion.LaunchTemplateVersions).toHaveLength(2);
    const missing = await errorOf(
      ec2.client.send(
        new DescribeLaunchTemplateVersionsCommand({
          LaunchTemplateName: 'web-lt',
          Versions: ['7'],
        }),
      ),
    );
    expect(missing.name).toBe('InvalidLaunchTemplateId.VersionNotFound');
    const noTemplate = await errorOf(
      ec2.client.send(new DescribeLaunchTemplateVersionsCommand({ Versions: ['1'] })),
    );
    expect(noTemplate.name).toBe('MissingParameter');
  });
});
