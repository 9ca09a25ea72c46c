import {
  DescribeImagesCommand,
  type EC2Client,
  type Filter,
  type Image,
} from '@aws-sdk/client-ec2';
import { imageIdSchema, instanceNameSchema, snapshotIdSchema } from '../../events/fields';
import { DEPLOY_REASON, TAG } from '../shared/tags';
import type { DeployImage } from './deploy-image';

/** DescribeImages' largest page. */
const PAGE_SIZE = 1000;

/** The seed system's AMI name: `{NAME}-Deploy-YYYY-MM-DD_HH_MM`. */
const SEED_NAME_PATTERN = /^(.+)-Deploy-\d{4}-\d{2}-\d{2}_\d{2}_\d{2}$/;

/**
 * Lists this account's `Reason=Deploy` AMIs, for one instance name or all, in pages of 1,000.
 * One name costs two queries (its provenance tag; the seed name pattern for images made before
 * provenance tags existed), so the pages scale with that name's images, not the account's.
 */
export async function listDeployImages(
  ec2: EC2Client,
  instanceName?: string,
): Promise<DeployImage[]> {
  const deploy: Filter = { Name: `tag:${TAG.reason}`, Values: [DEPLOY_REASON] };
  const queries: Filter[][] =
    instanceName === undefined
      ? [[deploy]]
      : [
          [deploy, { Name: `tag:${TAG.instanceName}`, Values: [instanceName] }],
          [deploy, { Name: 'name', Values: [`${instanceName}-Deploy-*`] }],
        ];
  const byId = new Map<string, DeployImage>();
  for (const filters of queries) {
    for await (const image of describeImages(ec2, filters)) {
      const deployImage = toDeployImage(image);
      if (deployImage === undefined) continue;
      if (instanceName !== undefined && deployImage.instanceName !== instanceName) continue;
      byId.set(deployImage.imageId, deployImage);
    }
  }
  return [...byId.values()];
}

async function* describeImages(ec2: EC2Client, filters: Filter[]): AsyncGenerator<Image> {
  let nextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeImagesCommand({
        Owners: ['self'],
        Filters: filters,
        MaxResults: PAGE_SIZE,
        NextToken: nextToken,
      }),
    );
    yield* page.Images ?? [];
    nextToken = page.NextToken;
  } while (nextToken);
}

/** Which instance name an image belongs to: provenance tag first, then the seed's name pattern. */
export function instanceNameOf(image: Pick<Image, 'Name' | 'Tags'>): string | undefined {
  const tagged = image.Tags?.find((tag) => tag.Key === TAG.instanceName)?.Value;
  if (tagged !== undefined) return tagged;
  return image.Name === undefined ? undefined : SEED_NAME_PATTERN.exec(image.Name)?.[1];
}

/**
 * Keeps only images the rules can judge with certainty: ours (Deploy), with a valid instance
 * name, an id and a creation date. Anything else is never purged.
 */
function toDeployImage(image: Image): DeployImage | undefined {
  const tags = image.Tags ?? [];
  if (!tags.some((tag) => tag.Key === TAG.reason && tag.Value === DEPLOY_REASON)) return undefined;
  const instanceName = instanceNameSchema.safeParse(instanceNameOf(image));
  const imageId = imageIdSchema.safeParse(image.ImageId);
  const createdAt = image.CreationDate === undefined ? Number.NaN : Date.parse(image.CreationDate);
  if (!instanceName.success || !imageId.success || Number.isNaN(createdAt)) return undefined;
  return {
    imageId: imageId.data,
    imageName: image.Name,
    instanceName: instanceName.data,
    createdAt: new Date(createdAt).toISOString(),
    state: image.State ?? 'unknown',
    // Anything but an explicit "disabled" (absent counts as off) may still be protected, e.g.
    // during the 24-hour cooldown after protection was turned off.
    deregistrationProtected:
      image.DeregistrationProtection !== undefined && image.DeregistrationProtection !== 'disabled',
    retainTagged: tags.some((tag) => tag.Key === TAG.retain),
    snapshotIds: (image.BlockDeviceMappings ?? []).flatMap((mapping) => {
      const snapshotId = snapshotIdSchema.safeParse(mapping.Ebs?.SnapshotId);
      return snapshotId.success ? [snapshotId.data] : [];
    }),
  };
}
