import type { ActionHandler, Ec2Context } from './context';
import { invalidParameterValue, missingParameter } from './errors';
import { checkImageIds } from './images';
import { newestVersions } from './launch-templates';
import type { InstanceStateName } from './model';
import { checkMaxResults, page } from './pagination';
import type { QueryParams } from './query-params';
import { resolveImageAlias } from './ssm-parameters';

const RESOURCE_TYPES = [
  'ec2:Instance',
  'ec2:LaunchTemplate',
  'ssm:Parameter',
  'imagebuilder:ImageRecipe',
  'imagebuilder:ContainerRecipe',
] as const;
type ResourceType = (typeof RESOURCE_TYPES)[number];

const INSTANCE_STATES: readonly InstanceStateName[] = [
  'pending',
  'running',
  'shutting-down',
  'terminated',
  'stopping',
  'stopped',
];

/** EC2 checks at most this many images per call. */
const MAX_IMAGE_IDS = 10;
/** AWS's defaults ("How AMI reference checks work"): instances in every state, 10 newest versions. */
const DEFAULT_VERSION_DEPTH = 10;
const MAX_VERSION_DEPTH = 10_000;

/** What one request checks: which resource types, and the scope options of two of them. */
export interface ReferenceScope {
  readonly types: ReadonlySet<ResourceType>;
  readonly instanceStates: ReadonlySet<string>;
  readonly versionDepth: number;
}

export interface ImageReference {
  readonly imageId: string;
  readonly resourceType: ResourceType;
  readonly arn: string;
  /** Orders references stably across pages: image, then resource type, then the resource. */
  readonly seq: number;
}

function isResourceType(value: string): value is ResourceType {
  return (RESOURCE_TYPES as readonly string[]).includes(value);
}

/**
 * Reads `IncludeAllResourceTypes` and `ResourceType.N` (with `ResourceTypeOption.N`). Options
 * given in `ResourceTypes` override the defaults, also when every type is included.
 */
export function referenceScope(params: QueryParams): ReferenceScope {
  const includeAll = params.boolean('IncludeAllResourceTypes') ?? false;
  const types = new Set<ResourceType>(includeAll ? RESOURCE_TYPES : []);
  let instanceStates: ReadonlySet<string> = new Set(INSTANCE_STATES);
  let versionDepth = DEFAULT_VERSION_DEPTH;
  const requested = params.indexes('ResourceType');
  if (!includeAll && requested.length === 0) {
    throw missingParameter('IncludeAllResourceTypes or ResourceTypes');
  }
  for (const index of requested) {
    const prefix = `ResourceType.${index}`;
    const type = params.required(`${prefix}.ResourceType`);
    if (!isResourceType(type)) {
      throw invalidParameterValue(
        `Value (${type}) for parameter ResourceType is invalid. Expected one of ${RESOURCE_TYPES.join(', ')}.`,
      );
    }
    types.add(type);
    for (const option of params.indexes(`${prefix}.ResourceTypeOption`)) {
      const optionPrefix = `${prefix}.ResourceTypeOption.${option}`;
      const name = params.required(`${optionPrefix}.OptionName`);
      const values = params.list(`${optionPrefix}.OptionValue`);
      if (type === 'ec2:Instance' && name === 'state-name') {
        const invalid = values.find((value) => !(INSTANCE_STATES as string[]).includes(value));
        if (invalid !== undefined || values.length === 0) {
          throw invalidParameterValue(
            `Value (${invalid ?? ''}) for option state-name is invalid. Expected ${INSTANCE_STATES.join(' | ')}.`,
          );
        }
        instanceStates = new Set(values);
      } else if (type === 'ec2:LaunchTemplate' && name === 'version-depth') {
        const [value] = values;
        const depth = value !== undefined && /^\d+$/.test(value) ? Number(value) : Number.NaN;
        if (values.length !== 1 || !(depth >= 1 && depth <= MAX_VERSION_DEPTH)) {
          throw invalidParameterValue(
            `Value (${values.join(', ')}) for option version-depth is invalid. Expected one integer between 1 and ${MAX_VERSION_DEPTH}.`,
          );
        }
        versionDepth = depth;
      } else {
        throw invalidParameterValue(`The option ${name} is not valid for resource type ${type}.`);
      }
    }
  }
  return { types, instanceStates, versionDepth };
}

/**
 * Every resource of the account that references one of `imageIds`, within `scope`: instances by
 * their AMI, launch templates by any of their newest versions (a `resolve:ssm:` alias counts for
 * the AMI its parameter holds now), SSM parameters by their value. Image Builder recipes do not
 * exist locally. Images need not exist: a template may still name a deregistered AMI.
 */
export function findImageReferences(
  context: Ec2Context,
  imageIds: readonly string[],
  scope: ReferenceScope,
): ImageReference[] {
  const { accountId, region } = context;
  const wanted = new Map(imageIds.map((id, index) => [id, index]));
  const references: ImageReference[] = [];
  // A number per reference that pagination can resume after: image (≤ 10), type (≤ 5), record.
  const add = (imageId: string, typeRank: number, recordSeq: number, arn: string) => {
    const imageIndex = wanted.get(imageId);
    if (imageIndex === undefined) return;
    const resourceType = RESOURCE_TYPES[typeRank] as ResourceType;
    const seq = imageIndex * 1e13 + (typeRank + 1) * 1e12 + recordSeq;
    references.push({ imageId, resourceType, arn, seq });
  };
  if (scope.types.has('ec2:Instance')) {
    for (const instance of context.store.instances.values()) {
      if (!scope.instanceStates.has(instance.state)) continue;
      add(
        instance.imageId,
        0,
        instance.seq,
        `arn:aws:ec2:${region}:${accountId}:instance/${instance.instanceId}`,
      );
    }
  }
  if (scope.types.has('ec2:LaunchTemplate')) {
    for (const template of context.store.launchTemplates.values()) {
      const arn = `arn:aws:ec2:${region}:${accountId}:launch-template/${template.launchTemplateId}`;
      const images = new Set<string>();
      for (const version of newestVersions(template, scope.versionDepth)) {
        const imageId = resolveImageAlias(version.data.imageId, context.ssmParameters);
        if (imageId !== undefined) images.add(imageId);
      }
      for (const imageId of images) add(imageId, 1, template.seq, arn);
    }
  }
  if (scope.types.has('ssm:Parameter') && context.ssmParameters !== undefined) {
    for (const parameter of context.ssmParameters.parameters()) {
      add(parameter.value, 2, parameter.seq, parameter.arn);
    }
  }
  return references.sort((a, b) => a.seq - b.seq);
}

export const describeImageReferences: ActionHandler = (context, params) => {
  const imageIds = [...new Set(params.list('ImageId'))];
  if (imageIds.length === 0) throw missingParameter('ImageId');
  if (imageIds.length > MAX_IMAGE_IDS) {
    throw invalidParameterValue(
      `The request may check at most ${MAX_IMAGE_IDS} images; it names ${imageIds.length}.`,
    );
  }
  checkImageIds(imageIds);
  const scope = referenceScope(params);
  const maxResults = checkMaxResults(params.integer('MaxResults'), 5, 1000);
  const { items, nextToken } = page(findImageReferences(context, imageIds, scope), () => true, {
    action: 'DescribeImageReferences',
    maxResults,
    nextToken: params.string('NextToken'),
  });
  return {
    imageReferenceSet: items.map(({ imageId, resourceType, arn }) => ({
      imageId,
      resourceType,
      arn,
    })),
    nextToken,
  };
};
