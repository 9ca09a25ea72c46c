import {
  CreateImageCommand,
  DescribeImagesCommand,
  type EC2Client,
  type Filter,
  type Image,
  type Tag,
} from '@aws-sdk/client-ec2';
import { describeIssues } from '../../events/issues';
import { type CreatedImage, createdImageSchema } from '../../events/watcher-input';
import type { Clock } from '../shared/clock';
import { DEPLOY_REASON, TAG } from '../shared/tags';
import { deployImageName } from './deploy-image-name';
import { isTransientEc2Error } from './ec2-errors';
import { findOldestRunningInstance } from './find-oldest-running-instance';

export interface DeployImageRequest {
  readonly requestId: string;
  readonly instanceName: string;
  readonly noReboot: boolean;
  readonly timeZone: string;
}

/** How one requested instance name ended in this delivery. */
export type DeployImageOutcome =
  | {
      readonly kind: 'created';
      readonly image: CreatedImage;
      readonly createdAt: Date;
      /**
       * Found by its tags or name: an earlier delivery of the same request made it, or (with
       * `joinedRequestId`) another request made it of the same instance in the same minute.
       */
      readonly reused: boolean;
      /**
       * Set when this request joined the image another request made: that request's id. The image
       * keeps that request's tags, so that its request-id tag still names the request that made it.
       */
      readonly joinedRequestId?: string;
    }
  | {
      readonly kind: 'failed';
      readonly instanceName: string;
      readonly reason: 'instance-not-found' | 'create-failed' | 'reboot-not-allowed';
      readonly message: string;
      readonly instanceId?: string;
      readonly imageId?: string;
      readonly imageName?: string;
    }
  | {
      /** The outcome is not knowable yet; a later delivery will settle it. */
      readonly kind: 'deferred';
      readonly instanceName: string;
      readonly message: string;
      /** The transient error that left the name unsettled, if one did. */
      readonly error?: unknown;
    };

const DUPLICATE_NAME = 'InvalidAMIName.Duplicate';

/**
 * Makes (or finds again) the deploy AMI of one instance name for one request. Never throws, so one
 * name's failure cannot block the others: an EC2 error left after the SDK's retries that a later
 * call may not meet (throttling, 5xx, a timeout or network error; see `isTransientEc2Error`)
 * defers the name to the platform's retry, and any other one ends it with `create-failed`.
 *
 * The image of a request is looked up by its provenance tags before anything else, so a
 * redelivered event reuses it even if its source instance has been replaced since.
 */
export async function createDeployImage(
  ec2: EC2Client,
  clock: Clock,
  request: DeployImageRequest,
): Promise<DeployImageOutcome> {
  const { instanceName } = request;
  let instanceId: string | undefined;
  let imageName: string | undefined;
  try {
    const earlier = await findRequestImage(ec2, request);
    if (earlier) return reuse(earlier, request, clock);

    const instance = await findOldestRunningInstance(ec2, instanceName);
    if (!instance) {
      return {
        kind: 'failed',
        instanceName,
        reason: 'instance-not-found',
        message: `No running instance has the Name tag "${instanceName}".`,
      };
    }
    instanceId = instance.instanceId;
    const startedAt = clock();
    imageName = deployImageName(instanceName, startedAt, request.timeZone);
    const tags = deployTags(request, instanceId, imageName);
    try {
      const { ImageId } = await ec2.send(
        new CreateImageCommand({
          InstanceId: instanceId,
          Name: imageName,
          Description: `Deploy AMI of ${instanceName} (${instanceId}), request ${request.requestId}`,
          NoReboot: request.noReboot,
          TagSpecifications: [
            { ResourceType: 'image', Tags: tags },
            { ResourceType: 'snapshot', Tags: tags },
          ],
        }),
      );
      return created({ ImageId, Name: imageName, Tags: tags }, request, startedAt, false);
    } catch (error) {
      if (errorCode(error) !== DUPLICATE_NAME) throw error;
      return await resolveDuplicateName(ec2, clock, request, { instanceId, imageName });
    }
  } catch (error) {
    if (isTransientEc2Error(error)) {
      return { kind: 'deferred', instanceName, message: describeError(error), error };
    }
    return {
      kind: 'failed',
      instanceName,
      reason: 'create-failed',
      message: describeError(error),
      ...(instanceId === undefined ? {} : { instanceId }),
      ...(imageName === undefined ? {} : { imageName }),
    };
  }
}

/**
 * The name is taken. If the image carries this request's tags, a concurrent or earlier delivery
 * made it (the tag lookup missed it because DescribeImages is eventually consistent): reuse it.
 *
 * If another request made it of the same instance in the same minute (the name has minute
 * resolution), the two requests asked for the same image: this request joins it, and its watcher
 * announces that image for this request too. The image is not tagged again: its request-id tag
 * says which request made it, which the janitor and redeliveries rely on.
 *
 * An image of another instance, or one this system did not make, is no image of this instance
 * now: the name fails clearly instead of inventing a second name format.
 */
async function resolveDuplicateName(
  ec2: EC2Client,
  clock: Clock,
  request: DeployImageRequest,
  attempt: { instanceId: string; imageName: string },
): Promise<DeployImageOutcome> {
  const { Images = [] } = await ec2.send(
    new DescribeImagesCommand({
      Owners: ['self'],
      Filters: [{ Name: 'name', Values: [attempt.imageName] }],
    }),
  );
  const existing = Images.find((image) => image.Name === attempt.imageName);
  if (!existing) {
    return {
      kind: 'deferred',
      instanceName: request.instanceName,
      message: `${DUPLICATE_NAME}: the AMI name "${attempt.imageName}" is taken but its image is not visible yet`,
    };
  }
  if (isOfRequest(existing, request)) return reuse(existing, request, clock);
  const madeBy = isDeployImageOf(existing, request.instanceName)
    ? tagValue(existing, TAG.requestId)
    : undefined;
  const source = tagValue(existing, TAG.instanceId);
  if (madeBy !== undefined && source === attempt.instanceId) {
    const outcome = reuse(existing, request, clock);
    return outcome.kind === 'created' ? { ...outcome, joinedRequestId: madeBy } : outcome;
  }
  return {
    kind: 'failed',
    instanceName: request.instanceName,
    reason: 'create-failed',
    message:
      `${DUPLICATE_NAME}: the AMI name "${attempt.imageName}" is already used by ${existing.ImageId}` +
      (madeBy === undefined
        ? ', an image this system did not make'
        : ` of request ${madeBy}, made from ${source ?? 'an unknown instance'} rather than ${attempt.instanceId}`) +
      '; one deploy AMI per instance name and minute.',
    instanceId: attempt.instanceId,
    imageName: attempt.imageName,
  };
}

async function findRequestImage(
  ec2: EC2Client,
  request: DeployImageRequest,
): Promise<Image | undefined> {
  const filters: Filter[] = [
    { Name: `tag:${TAG.requestId}`, Values: [request.requestId] },
    { Name: `tag:${TAG.instanceName}`, Values: [request.instanceName] },
  ];
  const { Images = [] } = await ec2.send(
    new DescribeImagesCommand({ Owners: ['self'], Filters: filters }),
  );
  // Two images can only exist after a race across a minute boundary; the first one made is kept
  // and the other is left for the janitor.
  return Images.filter((image) => isOfRequest(image, request)).sort(byCreation)[0];
}

function reuse(image: Image, request: DeployImageRequest, clock: Clock): DeployImageOutcome {
  const creationDate = image.CreationDate ? new Date(image.CreationDate) : undefined;
  const createdAt = creationDate && !Number.isNaN(creationDate.getTime()) ? creationDate : clock();
  return created(image, request, createdAt, true);
}

function created(
  image: Pick<Image, 'ImageId' | 'Name' | 'Tags'>,
  request: DeployImageRequest,
  createdAt: Date,
  reused: boolean,
): DeployImageOutcome {
  const parsed = createdImageSchema.safeParse({
    requestId: request.requestId,
    instanceName: request.instanceName,
    instanceId: tagValue(image, TAG.instanceId),
    imageId: image.ImageId,
    imageName: image.Name,
  });
  if (!parsed.success) {
    return {
      kind: 'failed',
      instanceName: request.instanceName,
      reason: 'create-failed',
      message: `The image ${image.ImageId ?? '(no id)'} cannot be watched: ${describeIssues(parsed.error)}`,
    };
  }
  return { kind: 'created', image: parsed.data, createdAt, reused };
}

function deployTags(request: DeployImageRequest, instanceId: string, imageName: string): Tag[] {
  return [
    { Key: TAG.name, Value: imageName },
    { Key: TAG.reason, Value: DEPLOY_REASON },
    { Key: TAG.instanceName, Value: request.instanceName },
    { Key: TAG.instanceId, Value: instanceId },
    { Key: TAG.requestId, Value: request.requestId },
  ];
}

function isOfRequest(image: Image, request: DeployImageRequest): boolean {
  return (
    tagValue(image, TAG.requestId) === request.requestId &&
    tagValue(image, TAG.instanceName) === request.instanceName
  );
}

/** Made by this system for this instance name: the tags every deploy AMI of the name carries. */
function isDeployImageOf(image: Image, instanceName: string): boolean {
  return (
    tagValue(image, TAG.reason) === DEPLOY_REASON &&
    tagValue(image, TAG.instanceName) === instanceName &&
    tagValue(image, TAG.requestId) !== undefined
  );
}

function tagValue(image: Pick<Image, 'Tags'>, key: string): string | undefined {
  return image.Tags?.find((tag) => tag.Key === key)?.Value;
}

function byCreation(a: Image, b: Image): number {
  const byDate = (a.CreationDate ?? '').localeCompare(b.CreationDate ?? '');
  return byDate !== 0 ? byDate : (a.ImageId ?? '').localeCompare(b.ImageId ?? '');
}

/** AWS SDK v3 errors carry the service's error code in `name`. */
function errorCode(error: unknown): string {
  return error instanceof Error ? error.name : 'UnknownError';
}

function describeError(error: unknown): string {
  return error instanceof Error
    ? `${error.name}: ${error.message}`
    : `UnknownError: ${String(error)}`;
}
