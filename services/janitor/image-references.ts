import {
  DescribeImageReferencesCommand,
  type EC2Client,
  type ImageReference,
  type ResourceTypeRequest,
} from '@aws-sdk/client-ec2';
import type { KeepVerdict } from './select-expired-images';

/** DescribeImageReferences takes at most 10 image ids per call. */
export const MAX_IMAGES_PER_REFERENCE_CHECK = 10;

/** A stopped instance can be started again from its image, so only terminated ones free it. */
export const LIVE_INSTANCE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];

/**
 * Error codes meaning "this call is not allowed or not offered here", not "this call failed":
 * a policy without the permission (EC2 says UnauthorizedOperation; the services EC2 asks on the
 * caller's behalf may say AccessDenied/AccessDeniedException), or a Region or partition
 * without the action (InvalidAction, UnsupportedOperation). Retrying would not help.
 */
const REFUSAL_CODES = new Set([
  'UnauthorizedOperation',
  'AccessDenied',
  'AccessDeniedException',
  'InvalidAction',
  'UnsupportedOperation',
]);

export function isRefusal(error: unknown): error is Error {
  return error instanceof Error && REFUSAL_CODES.has(error.name);
}

/**
 * Why each of the given images (at most 10) must be kept, by what EC2 says references it:
 * instances in any state but terminated, the newest `versionDepth` versions of every launch
 * template, SSM parameters and Image Builder image and container recipes. Images nothing
 * references are absent. Where several resources reference an image, the most direct user
 * (instance, then launch template, parameter, recipe) is named.
 */
export async function describeImageReferences(
  ec2: EC2Client,
  imageIds: readonly string[],
  versionDepth: number,
): Promise<Map<string, KeepVerdict>> {
  const wanted = new Set(imageIds);
  const references: ImageReference[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeImageReferencesCommand({
        ImageIds: [...imageIds],
        ResourceTypes: referenceResourceTypes(versionDepth),
        NextToken: nextToken,
      }),
    );
    references.push(...(page.ImageReferences ?? []));
    nextToken = page.NextToken;
  } while (nextToken);

  const verdicts = new Map<string, KeepVerdict>();
  for (const { imageId, verdict } of references
    .map((reference) => ({ imageId: reference.ImageId, verdict: verdictFor(reference) }))
    .sort((a, b) => PRIORITY.indexOf(a.verdict.reason) - PRIORITY.indexOf(b.verdict.reason))) {
    if (imageId !== undefined && wanted.has(imageId) && !verdicts.has(imageId)) {
      verdicts.set(imageId, verdict);
    }
  }
  return verdicts;
}

const PRIORITY: readonly KeepVerdict['reason'][] = [
  'in-use-by-instance',
  'in-use-by-launch-template',
  'in-use-by-ssm-parameter',
  'in-use-by-image-recipe',
];

function referenceResourceTypes(versionDepth: number): ResourceTypeRequest[] {
  return [
    {
      ResourceType: 'ec2:Instance',
      ResourceTypeOptions: [{ OptionName: 'state-name', OptionValues: LIVE_INSTANCE_STATES }],
    },
    {
      // EC2 checks the newest 10 versions unless told otherwise; an Auto Scaling group pinned
      // to an older version still launches from it.
      ResourceType: 'ec2:LaunchTemplate',
      ResourceTypeOptions: [{ OptionName: 'version-depth', OptionValues: [String(versionDepth)] }],
    },
    { ResourceType: 'ssm:Parameter' },
    { ResourceType: 'imagebuilder:ImageRecipe' },
    { ResourceType: 'imagebuilder:ContainerRecipe' },
  ];
}

/** Thrown for a reference of a kind this check never asked for: the image is kept, loudly. */
export class UnexpectedImageReferenceError extends Error {
  constructor(readonly reference: ImageReference) {
    super(
      `DescribeImageReferences returned a reference of unexpected type ${reference.ResourceType} (${reference.Arn}) for ${reference.ImageId}`,
    );
    this.name = 'UnexpectedImageReferenceError';
  }
}

/** The verdict for one reference, with the referencing resource named as a person would. */
export function verdictFor(reference: ImageReference): KeepVerdict {
  const arn = reference.Arn ?? '';
  // arn:partition:service:region:account:resource, where the resource may contain colons.
  const resource = arn.split(':').slice(5).join(':');
  switch (reference.ResourceType) {
    case 'ec2:Instance':
      return { reason: 'in-use-by-instance', detail: afterPrefix(resource, 'instance/') ?? arn };
    case 'ec2:LaunchTemplate':
      return { reason: 'in-use-by-launch-template', detail: launchTemplateDetail(resource, arn) };
    case 'ssm:Parameter':
      return { reason: 'in-use-by-ssm-parameter', detail: parameterName(resource) ?? arn };
    case 'imagebuilder:ImageRecipe':
    case 'imagebuilder:ContainerRecipe':
      return { reason: 'in-use-by-image-recipe', detail: arn };
    default:
      throw new UnexpectedImageReferenceError(reference);
  }
}

function afterPrefix(resource: string, prefix: string): string | undefined {
  return resource.startsWith(prefix) && resource.length > prefix.length
    ? resource.slice(prefix.length)
    : undefined;
}

/** `launch-template/lt-…`, possibly followed by a version: `lt-… v2`. */
function launchTemplateDetail(resource: string, arn: string): string {
  const match = /^launch-template\/([^/:]+)(?:[/:](.+))?$/.exec(resource);
  if (match === null) return arn;
  const [, templateId, version] = match;
  return version === undefined ? `${templateId}` : `${templateId} v${version}`;
}

/**
 * The ARN drops a hierarchical name's leading slash (`parameter/a/b` is `/a/b`); a name in a
 * hierarchy must start with one, so it is put back whenever the name has more than one level.
 */
function parameterName(resource: string): string | undefined {
  const name = afterPrefix(resource, 'parameter/');
  if (name === undefined) return undefined;
  return name.includes('/') ? `/${name}` : name;
}
