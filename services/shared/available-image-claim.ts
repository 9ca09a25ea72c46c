import { DescribeImagesCommand, type EC2Client, type Image } from '@aws-sdk/client-ec2';
import { InvalidEventError } from '../../events/contract';
import { DEPLOY_REASON, TAG } from './tags';

/** What an `AmiAvailable` event claims: this image of this instance name is ready. */
export interface AvailableImageClaim {
  readonly imageId: string;
  readonly instanceName: string;
}

/** An event whose claim EC2 does not bear out; it goes to the dead-letter queue with the reason. */
export class ClaimRejectedError extends InvalidEventError {
  constructor(message: string) {
    super(message, 'AmiAvailable');
    this.name = 'ClaimRejectedError';
  }
}

/** EC2 answers these for an id it does not know or cannot parse. */
const UNKNOWN_IMAGE_CODES = new Set(['InvalidAMIID.NotFound', 'InvalidAMIID.Malformed']);

/**
 * Events on the bus are input, not trust: before acting on an `AmiAvailable`, EC2 must show the
 * image in this account, `available`, tagged `Reason=Deploy` and with the provenance tag of the
 * claimed instance name. Throws `ClaimRejectedError` otherwise; EC2's own errors propagate so the
 * platform retries them.
 */
export async function checkAvailableImageClaim(
  ec2: EC2Client,
  claim: AvailableImageClaim,
): Promise<void> {
  let images: Image[] | undefined;
  try {
    ({ Images: images } = await ec2.send(
      new DescribeImagesCommand({ ImageIds: [claim.imageId], Owners: ['self'] }),
    ));
  } catch (error) {
    if (error instanceof Error && UNKNOWN_IMAGE_CODES.has(error.name)) {
      throw new ClaimRejectedError(`image ${claim.imageId} does not exist in this account`);
    }
    throw error;
  }
  const image = images?.find((candidate) => candidate.ImageId === claim.imageId);
  if (image === undefined) {
    throw new ClaimRejectedError(`image ${claim.imageId} does not exist in this account`);
  }
  if (image.State !== 'available') {
    throw new ClaimRejectedError(
      `image ${claim.imageId} is ${image.State ?? 'in no state'}, not available`,
    );
  }
  const tag = (key: string) => image.Tags?.find((candidate) => candidate.Key === key)?.Value;
  if (tag(TAG.reason) !== DEPLOY_REASON || tag(TAG.instanceName) !== claim.instanceName) {
    throw new ClaimRejectedError(
      `image ${claim.imageId} is not a Deploy image of ${claim.instanceName} (tags ${TAG.reason} and ${TAG.instanceName})`,
    );
  }
}
