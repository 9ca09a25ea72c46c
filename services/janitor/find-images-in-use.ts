import {
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type EC2Client,
  type Filter,
} from '@aws-sdk/client-ec2';

/** EC2 takes at most 200 values in one filter. */
const IMAGE_IDS_PER_QUERY = 200;
const INSTANCE_PAGE_SIZE = 1000;
const LAUNCH_TEMPLATE_PAGE_SIZE = 200;

/** A stopped instance can be started again from its image, so only terminated ones free it. */
const LIVE_INSTANCE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];

/**
 * Which of the given images a non-terminated instance uses, as image id → instance id. The calls
 * scale with pages, never with images: up to 200 images cost one filtered DescribeInstances.
 * For more, listing every live instance (1,000 a page) is usually far cheaper than one call per
 * 200 images, so that is tried first within the same page budget; an account with too many
 * instances for that falls back to the batches.
 */
export async function findImagesUsedByInstances(
  ec2: EC2Client,
  imageIds: readonly string[],
): Promise<Map<string, string>> {
  const batches = Math.ceil(imageIds.length / IMAGE_IDS_PER_QUERY);
  if (batches > 1) {
    const all = await listLiveInstanceImages(ec2, [], batches - 1);
    if (all !== undefined) {
      const wanted = new Set(imageIds);
      return new Map([...all].filter(([imageId]) => wanted.has(imageId)));
    }
  }
  const used = new Map<string, string>();
  for (let start = 0; start < imageIds.length; start += IMAGE_IDS_PER_QUERY) {
    const batch = imageIds.slice(start, start + IMAGE_IDS_PER_QUERY);
    const found = await listLiveInstanceImages(ec2, [{ Name: 'image-id', Values: batch }]);
    for (const [imageId, instanceId] of found ?? []) used.set(imageId, instanceId);
  }
  return used;
}

/** Image id → first live instance using it; undefined when `maxPages` did not reach the end. */
async function listLiveInstanceImages(
  ec2: EC2Client,
  filters: Filter[],
  maxPages = Number.POSITIVE_INFINITY,
): Promise<Map<string, string> | undefined> {
  const used = new Map<string, string>();
  let nextToken: string | undefined;
  let pages = 0;
  do {
    if (pages >= maxPages) return undefined;
    const page = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [...filters, { Name: 'instance-state-name', Values: LIVE_INSTANCE_STATES }],
        MaxResults: INSTANCE_PAGE_SIZE,
        NextToken: nextToken,
      }),
    );
    pages += 1;
    for (const reservation of page.Reservations ?? []) {
      for (const instance of reservation.Instances ?? []) {
        if (instance.ImageId === undefined || instance.InstanceId === undefined) continue;
        if (!used.has(instance.ImageId)) used.set(instance.ImageId, instance.InstanceId);
      }
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return used;
}

/**
 * Images named by the default or latest version of any launch template in the account, as
 * image id → `template-name vN`. Omitting the template id with `$Default` and `$Latest` lists
 * those versions of every template at once; `ResolveAlias` turns `resolve:ssm:` parameters into
 * the AMI ids they point at.
 */
export async function findImagesUsedByLaunchTemplates(
  ec2: EC2Client,
): Promise<Map<string, string>> {
  const used = new Map<string, string>();
  let nextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        Versions: ['$Default', '$Latest'],
        ResolveAlias: true,
        MaxResults: LAUNCH_TEMPLATE_PAGE_SIZE,
        NextToken: nextToken,
      }),
    );
    for (const version of page.LaunchTemplateVersions ?? []) {
      const imageId = version.LaunchTemplateData?.ImageId;
      if (imageId === undefined || used.has(imageId)) continue;
      const template = version.LaunchTemplateName ?? version.LaunchTemplateId ?? 'launch template';
      used.set(imageId, `${template} v${version.VersionNumber ?? '?'}`);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return used;
}
