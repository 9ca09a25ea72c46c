import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DeployImage } from './deploy-image';
import { deployImage, FakeEc2Account } from './ec2-account.fake';
import { listDeployImagePages } from './list-deploy-images';

const ec2Mock = mockClient(EC2Client);
const ec2 = new EC2Client({ region: 'ap-northeast-2' });
let account: FakeEc2Account;

beforeEach(() => {
  ec2Mock.reset();
  account = new FakeEc2Account();
  account.install(ec2Mock);
});

async function collect(instanceName?: string): Promise<DeployImage[][]> {
  const pages: DeployImage[][] = [];
  for await (const page of listDeployImagePages(ec2, instanceName)) pages.push(page);
  return pages;
}

describe('listDeployImagePages', () => {
  it('should yield one page of compact images per DescribeImages page of 1,000', async () => {
    // Prepare: 2,500 Deploy images over two names, and one image that is not a Deploy image.
    account.images = [
      ...Array.from({ length: 2_500 }, (_, index) =>
        deployImage({ instanceName: `service-${index % 2}`, ageDays: 1 + index / 100 }),
      ),
      deployImage({ instanceName: 'service-0', ageDays: 30, reason: 'Golden' }),
    ];

    // Act
    const pages = await collect();

    // Assess
    expect(pages.map((page) => page.length)).toEqual([1_000, 1_000, 500]);
    const calls = ec2Mock.commandCalls(DescribeImagesCommand);
    expect(calls.map((call) => call.args[0].input.MaxResults)).toEqual([1_000, 1_000, 1_000]);
    const first = pages[0]?.[0];
    expect(first).toEqual({
      imageId: account.images[0]?.ImageId,
      imageName: account.images[0]?.Name,
      instanceName: 'service-0',
      createdAt: account.images[0]?.CreationDate,
      state: 'available',
      deregistrationProtected: false,
      retainTagged: false,
      awsBackupManaged: false,
      snapshotIds: [account.images[0]?.BlockDeviceMappings?.[0]?.Ebs?.SnapshotId],
    });
  });

  it('should yield an image both queries of one name return only once, across pages', async () => {
    // Prepare: tagged images are also named as the seed names its images, so both queries
    // return them; seed-made ones only the second. Each query spans two pages.
    const tagged = Array.from({ length: 1_200 }, (_, index) =>
      deployImage({ instanceName: 'service-api', ageDays: 1 + index / 100 }),
    );
    const seedMade = Array.from({ length: 300 }, (_, index) =>
      deployImage({ instanceName: 'service-api', ageDays: 20 + index / 100, madeBy: 'seed' }),
    );
    const other = deployImage({ instanceName: 'service-worker', ageDays: 30 });
    account.images = [...tagged, ...seedMade, other];

    // Act
    const ids = (await collect('service-api')).flat().map((image) => image.imageId);

    // Assess
    expect(ec2Mock.commandCalls(DescribeImagesCommand)).toHaveLength(4);
    expect(ids).toHaveLength(1_500);
    expect(new Set(ids)).toEqual(new Set([...tagged, ...seedMade].map((image) => image.ImageId)));
  });

  it('should leave out an image named like the instance name whose provenance tag names another', async () => {
    const ours = deployImage({ instanceName: 'service-api', ageDays: 20 });
    const theirs = deployImage({
      instanceName: 'service-api-v2',
      ageDays: 20,
      name: 'service-api-Deploy-2025-05-01_10_00',
    });
    account.images = [ours, theirs];

    const ids = (await collect('service-api')).flat().map((image) => image.imageId);

    expect(ids).toEqual([ours.ImageId]);
  });

  it('should mark an image AWS Backup manages, and only that one', async () => {
    const backedUp = deployImage({ instanceName: 'service-api', ageDays: 20, awsBackup: true });
    const plain = deployImage({ instanceName: 'service-api', ageDays: 21 });
    account.images = [backedUp, plain];

    const images = (await collect()).flat();

    expect(images.find((image) => image.imageId === backedUp.ImageId)?.awsBackupManaged).toBe(true);
    expect(images.find((image) => image.imageId === plain.ImageId)?.awsBackupManaged).toBe(false);
  });

  it('should yield nothing for an account without Deploy images', async () => {
    account.images = [deployImage({ instanceName: 'service-api', ageDays: 20, reason: null })];

    expect(await collect()).toEqual([]);
  });
});
