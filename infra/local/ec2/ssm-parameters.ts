/**
 * What EC2 reads from Parameter Store: launch templates may name their AMI as
 * `resolve:ssm:NAME` (or `resolve:ssm:NAME:VERSION`), and DescribeImageReferences reports
 * parameters whose value is an AMI. The local cloud hands in its SSM service's store; without
 * one, aliases stay unresolved and no parameter references an image.
 */
export interface SsmParameterLookup {
  /** The value a `NAME` or `NAME:VERSION` selector points at, or undefined if there is none. */
  valueOf(selector: string): string | undefined;
  /** Every parameter's current value, each with a number that orders it stably. */
  parameters(): Iterable<{ seq: number; name: string; arn: string; value: string }>;
}

export const SSM_ALIAS_PREFIX = 'resolve:ssm:';

/** The AMI id an image reference names: an id as is, or what its `resolve:ssm:` alias holds. */
export function resolveImageAlias(
  imageId: string | undefined,
  ssm: SsmParameterLookup | undefined,
): string | undefined {
  if (imageId === undefined || !imageId.startsWith(SSM_ALIAS_PREFIX)) return imageId;
  return ssm?.valueOf(imageId.slice(SSM_ALIAS_PREFIX.length));
}
