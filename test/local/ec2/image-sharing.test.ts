import {
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  ModifyImageAttributeCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEc2Service } from '../../../infra/local/ec2';
import { errorOf, type RunningEc2, startEc2 } from './harness';

const PARTNER = '444455556666';
const IMAGE = 'ami-0aaaaaaaaaaaaaaaa';
const SHARED = 'ami-0bbbbbbbbbbbbbbbb';

let ec2: RunningEc2;
beforeAll(async () => {
  ec2 = await startEc2();
});
afterAll(() => ec2.close());
beforeEach(() => {
  ec2.service.reset();
  ec2.service.seed({
    images: [
      { imageId: IMAGE, name: 'private-one', description: 'deploy image' },
      { imageId: SHARED, name: 'shared-one', sharedWith: [PARTNER] },
    ],
  });
});

const permissions = async (ImageId: string) =>
  (
    await ec2.client.send(
      new DescribeImageAttributeCommand({ ImageId, Attribute: 'launchPermission' }),
    )
  ).LaunchPermissions;

describe('DescribeImageAttribute', () => {
  it('should list who a fixture image is shared with, and nobody for a private one', async () => {
    expect(await permissions(SHARED)).toEqual([{ UserId: PARTNER }]);
    expect(await permissions(IMAGE)).toEqual([]);
  });

  it('should answer the description', async () => {
    const result = await ec2.client.send(
      new DescribeImageAttributeCommand({ ImageId: IMAGE, Attribute: 'description' }),
    );
    expect(result).toMatchObject({ ImageId: IMAGE, Description: { Value: 'deploy image' } });
  });

  it('should answer InvalidAMIID.NotFound for an unknown image and refuse unknown attributes', async () => {
    const missing = await errorOf(permissions('ami-0123456789abcdef0'));
    const unknown = await errorOf(
      ec2.client.send(
        new DescribeImageAttributeCommand({ ImageId: IMAGE, Attribute: 'colour' as never }),
      ),
    );
    expect(missing.name).toBe('InvalidAMIID.NotFound');
    expect(unknown.name).toBe('InvalidParameterValue');
  });
});

describe('ModifyImageAttribute', () => {
  it('should share with an account and make public, then undo both', async () => {
    await ec2.client.send(
      new ModifyImageAttributeCommand({
        ImageId: IMAGE,
        LaunchPermission: { Add: [{ UserId: PARTNER }, { Group: 'all' }] },
      }),
    );
    const shared = await permissions(IMAGE);
    const publicImage = (await ec2.client.send(new DescribeImagesCommand({ ImageIds: [IMAGE] })))
      .Images?.[0]?.Public;
    await ec2.client.send(
      new ModifyImageAttributeCommand({
        ImageId: IMAGE,
        LaunchPermission: { Remove: [{ UserId: PARTNER }, { Group: 'all' }] },
      }),
    );

    expect(shared).toEqual([{ Group: 'all' }, { UserId: PARTNER }]);
    expect(publicImage).toBe(true);
    expect(await permissions(IMAGE)).toEqual([]);
  });

  it('should take the older Attribute/OperationType/UserIds form and a new description', async () => {
    await ec2.client.send(
      new ModifyImageAttributeCommand({
        ImageId: IMAGE,
        Attribute: 'launchPermission',
        OperationType: 'add',
        UserIds: [PARTNER],
      }),
    );
    await ec2.client.send(
      new ModifyImageAttributeCommand({ ImageId: IMAGE, Description: { Value: 'renamed' } }),
    );
    const description = await ec2.client.send(
      new DescribeImageAttributeCommand({ ImageId: IMAGE, Attribute: 'description' }),
    );

    expect(await permissions(IMAGE)).toEqual([{ UserId: PARTNER }]);
    expect(description.Description?.Value).toBe('renamed');
  });

  it('should refuse malformed account ids and groups, and unknown images', async () => {
    const badUser = await errorOf(
      ec2.client.send(
        new ModifyImageAttributeCommand({
          ImageId: IMAGE,
          LaunchPermission: { Add: [{ UserId: 'partner' }] },
        }),
      ),
    );
    const missing = await errorOf(
      ec2.client.send(
        new ModifyImageAttributeCommand({
          ImageId: 'ami-0123456789abcdef0',
          LaunchPermission: { Add: [{ UserId: PARTNER }] },
        }),
      ),
    );
    expect(badUser.name).toBe('InvalidAMIAttributeItemValue');
    expect(missing.name).toBe('InvalidAMIID.NotFound');
    expect(await permissions(IMAGE)).toEqual([]);
  });

  it('should keep sharing across a saved state', async () => {
    await ec2.client.send(
      new ModifyImageAttributeCommand({
        ImageId: IMAGE,
        LaunchPermission: { Add: [{ UserId: PARTNER }] },
      }),
    );
    const restored = createEc2Service({ state: JSON.parse(JSON.stringify(ec2.service.state)) });
    expect(restored.state.images.find((image) => image.imageId === IMAGE)?.sharedWith).toEqual([
      PARTNER,
    ]);
  });
});

describe('images shared with this account', () => {
  it('should be visible to DescribeImages, while private images of other accounts are not', async () => {
    ec2.service.seed({
      images: [
        { name: 'theirs-shared', ownerId: PARTNER, sharedWith: ['123456789012'] },
        { name: 'theirs-private', ownerId: PARTNER },
      ],
    });
    const names = (
      (await ec2.client.send(new DescribeImagesCommand({ Owners: [PARTNER] }))).Images ?? []
    ).map((image) => image.Name);
    expect(names).toEqual(['theirs-shared']);
  });
});
