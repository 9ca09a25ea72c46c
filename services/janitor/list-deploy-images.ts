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

/** The tag prefix AWS Backup puts on the images it creates and manages (reserved to AWS). */
const AWS_BACKUP_TAG_PREFIX = 'aws:backup:';

/**
 * This account's `Reason=Deploy` AMIs, for one instance name or all, one DescribeImages page at a time: each page of the
 * SDK's `Image` objects is reduced to compact `DeployImage`s before it is yielded, so a caller
 * that keeps only what it needs holds O(page) memory, whatever the account's size. Empty pages
 * (everything filtered out) are not yielded. For one name, an image both queries return (tagged,
 * and named as the seed names its images) is yielded once.
 */
export async function* listDeployImagePages(
  ec2: EC2Client,
  instanceName?: string,
): AsyncGenerator<DeployImage[]> {
  const deploy: Filter = { Name: `tag:${TAG.reason}`, Values: [DEPLOY_REASON] };
  const queries: Filter[][] =
    instanceName === undefined
      ? [[deploy]]
      : [
          [deploy, { Name: `tag:${TAG.instanceName}`, Values: [instanceName] }],
          [deploy, { Name: 'name', Values: [`${instanceName}-Deploy-*`] }],
        ];
  // Bounded by one name's images; a sweep runs a single query and needs none.
  const seen = instanceName === undefined ? undefined : new Set<string>();
  for (const filters of queries) {
    let nextToken: string | undefined;
    do {
      const page = await describeDeployImagePage(ec2, filters, nextToken);
      nextToken = page.nextToken;
      const images = page.images.filter((image) => {
        if (seen === undefined) return true;
        if (image.instanceName !== instanceName || seen.has(image.imageId)) return false;
        seen.add(image.imageId);
        return true;
      });
      if (images.length > 0) yield images;
    } while (nextToken);
  }
}

/**
 * One DescribeImages page, already reduced: the SDK's response lives only in this function's
 * frame, never in the generator's while its consumer works on the page.
 */
async function describeDeployImagePage(
  ec2: EC2Client,
  filters: Filter[],
  nextToken: string | undefined,
): Promise<{ images: DeployImage[]; nextToken: string | undefined }> {
  const response = await ec2.send(
    new DescribeImagesCommand({
      Owners: ['self'],
      Filters: filters,
      MaxResults: PAGE_SIZE,
      NextToken: nextToken,
    }),
  );
  const images: DeployImage[] = [];
  for (const image of response.Images ?? []) {
    const deployImage = toDeployImage(image);
    if (deployImage !== undefined) images.push(deployImage);
  }
  return { images, nextToken: response.NextToken };
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
    awsBackupManaged: tags.some((tag) => tag.Key?.startsWith(AWS_BACKUP_TAG_PREFIX) === true),
    snapshotIds: (image.BlockDeviceMappings ?? []).flatMap((mapping) => {
      const snapshotId = snapshotIdSchema.safeParse(mapping.Ebs?.SnapshotId);
      return snapshotId.success ? [snapshotId.data] : [];
    }),
  };
}
