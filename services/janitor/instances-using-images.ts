import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { LIVE_INSTANCE_STATES } from './image-references';

const INSTANCE_PAGE_SIZE = 1000;

/**
 * Image id → an instance launched from it that is not terminated, for a handful of images (EC2
 * takes up to 200 values in one filter; the reference check asks about at most 10).
 */
export async function findInstancesUsingImages(
  ec2: EC2Client,
  imageIds: readonly string[],
): Promise<Map<string, string>> {
  const used = new Map<string, string>();
  let nextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'image-id', Values: [...imageIds] },
          { Name: 'instance-state-name', Values: LIVE_INSTANCE_STATES },
        ],
        MaxResults: INSTANCE_PAGE_SIZE,
        NextToken: nextToken,
      }),
    );
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
