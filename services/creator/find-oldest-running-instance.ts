import { type EC2Client, type Instance, paginateDescribeInstances } from '@aws-sdk/client-ec2';

export interface SourceInstance {
  readonly instanceId: string;
  readonly launchTime: Date;
}

/**
 * The oldest running instance whose `Name` tag equals `instanceName` (the seed's choice: the
 * longest-lived instance is the one known to work). Filtered server-side and paginated, which keeps
 * the calls in EC2's larger throttling bucket. Equal launch times are broken by instance id, so
 * the same fleet always yields the same source.
 */
export async function findOldestRunningInstance(
  ec2: EC2Client,
  instanceName: string,
): Promise<SourceInstance | undefined> {
  let oldest: SourceInstance | undefined;
  const pages = paginateDescribeInstances(
    { client: ec2 },
    {
      Filters: [
        { Name: 'tag:Name', Values: [instanceName] },
        { Name: 'instance-state-name', Values: ['running'] },
      ],
      MaxResults: 1000,
    },
  );
  for await (const page of pages) {
    for (const reservation of page.Reservations ?? []) {
      for (const instance of reservation.Instances ?? []) {
        const candidate = toSourceInstance(instance);
        if (candidate && (oldest === undefined || isOlder(candidate, oldest))) oldest = candidate;
      }
    }
  }
  return oldest;
}

function toSourceInstance(instance: Instance): SourceInstance | undefined {
  if (instance.InstanceId === undefined || instance.LaunchTime === undefined) return undefined;
  return { instanceId: instance.InstanceId, launchTime: instance.LaunchTime };
}

function isOlder(candidate: SourceInstance, current: SourceInstance): boolean {
  const difference = candidate.launchTime.getTime() - current.launchTime.getTime();
  if (difference !== 0) return difference < 0;
  return candidate.instanceId < current.instanceId;
}
