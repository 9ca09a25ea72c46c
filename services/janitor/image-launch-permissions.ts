import { DescribeImageAttributeCommand, type EC2Client } from '@aws-sdk/client-ec2';

/** The image is gone: nothing can launch it, and its deregistration will report that. */
const GONE_CODES = new Set(['InvalidAMIID.NotFound', 'InvalidAMIID.Unavailable']);

/**
 * Who else may launch the image, e.g. `public`, `accounts 444455556666`, an organization or
 * OU ARN; undefined when only this account may. Another account may run instances or
 * templates from a shared image, and this account cannot see them.
 */
export async function describeImageSharing(
  ec2: EC2Client,
  imageId: string,
): Promise<string | undefined> {
  let permissions: Awaited<ReturnType<typeof describeLaunchPermissions>>;
  try {
    permissions = await describeLaunchPermissions(ec2, imageId);
  } catch (error) {
    if (error instanceof Error && GONE_CODES.has(error.name)) return undefined;
    throw error;
  }
  const parts: string[] = [];
  if (permissions.some((permission) => permission.Group === 'all')) parts.push('public');
  const accounts = permissions.flatMap((permission) => permission.UserId ?? []);
  if (accounts.length > 0) parts.push(`accounts ${accounts.join(', ')}`);
  for (const permission of permissions) {
    if (permission.OrganizationArn !== undefined) parts.push(permission.OrganizationArn);
    if (permission.OrganizationalUnitArn !== undefined) {
      parts.push(permission.OrganizationalUnitArn);
    }
  }
  return parts.length === 0 ? undefined : parts.join('; ');
}

async function describeLaunchPermissions(ec2: EC2Client, imageId: string) {
  const answer = await ec2.send(
    new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }),
  );
  return answer.LaunchPermissions ?? [];
}
