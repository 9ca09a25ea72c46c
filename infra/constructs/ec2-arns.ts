import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** ARNs of every EC2 resource of one type in this stack's account and Region. */
export function ec2ResourceArns(scope: Construct, type: 'instance' | 'image' | 'snapshot'): string {
  return Stack.of(scope).formatArn({
    service: 'ec2',
    // Images and snapshots carry no account in their ARN; instances do.
    ...(type !== 'instance' && { account: '' }),
    resource: type,
    resourceName: '*',
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}
