import { Stack, Validations } from 'aws-cdk-lib';
// cdk-nag's own rendering of a resource reference, so acknowledged findings match exactly.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges a cdk-nag finding on a construct and everything under it. `finding` is a rule id,
 * or a rule id with its finding, e.g. `AwsSolutions-IAM5[Resource::*]`.
 */
export function acknowledge(scope: IConstruct, finding: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: finding, reason });
}

/** Acknowledges AwsSolutions-IAM5 (wildcard permissions) for each of these resource ARNs. */
export function acknowledgeWildcardResources(
  scope: IConstruct,
  resources: readonly string[],
  reason: string,
): void {
  const stack = Stack.of(scope);
  for (const resource of resources) {
    const flattened = flattenCfnReference(stack.resolve(resource));
    acknowledge(scope, `AwsSolutions-IAM5[Resource::${flattened}]`, reason);
  }
}
