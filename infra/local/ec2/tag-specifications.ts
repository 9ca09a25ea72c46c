import { Ec2Error, invalidParameterValue } from './errors';
import type { Tags } from './model';
import type { TagSpecification } from './query-params';

const MAX_TAGS = 50;

/** EC2's tag rules: key 1–128 characters, not `aws:`-prefixed; value up to 256; 50 per resource. */
export function validateTags(tags: Tags): void {
  for (const [key, value] of Object.entries(tags)) {
    if (key.length === 0 || key.length > 128) {
      throw invalidParameterValue(`Tag key exceeds the maximum length of 128 characters: ${key}`);
    }
    if (key.toLowerCase().startsWith('aws:')) {
      throw invalidParameterValue(`Tag keys starting with 'aws:' are reserved for internal use`);
    }
    if (value.length > 256) {
      throw invalidParameterValue(`Tag value exceeds the maximum length of 256 characters: ${key}`);
    }
  }
  if (Object.keys(tags).length > MAX_TAGS) {
    throw new Ec2Error(
      'TagLimitExceeded',
      `The maximum number of tags per resource is ${MAX_TAGS}`,
    );
  }
}

/**
 * The tags of a request's TagSpecifications by resource type, rejecting types the action cannot
 * tag (as EC2 does) instead of dropping those tags.
 */
export function tagsByResourceType(
  specifications: readonly TagSpecification[],
  allowed: readonly string[],
): Map<string, Tags> {
  const result = new Map<string, Tags>();
  for (const { resourceType, tags } of specifications) {
    if (!allowed.includes(resourceType)) {
      throw invalidParameterValue(
        `'${resourceType}' is not a valid taggable resource type for this operation.`,
      );
    }
    const merged = { ...result.get(resourceType), ...tags };
    validateTags(merged);
    result.set(resourceType, merged);
  }
  return result;
}
