import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/observability';
import { describeImageSharing } from './image-launch-permissions';
import {
  describeImageReferences,
  isRefusal,
  MAX_IMAGES_PER_REFERENCE_CHECK,
} from './image-references';
import { findInstancesUsingImages } from './instances-using-images';
import { readLaunchTemplateImages } from './launch-template-images';
import type { KeepVerdict } from './select-expired-images';
import { cacheFor } from './snapshot-cache';
import { readSsmParameterImages } from './ssm-parameter-images';

export interface ReferenceCheckConfig {
  /** Newest launch template versions checked per template, 1..10000. */
  readonly launchTemplateVersionDepth: number;
  /** Delete images other accounts may launch; by default they are kept. */
  readonly purgeSharedImages: boolean;
  /** Where the fallback reads SSM parameters (its IAM grant is limited to it). */
  readonly ssmParameterPrefix: string;
}

export interface ReferenceCheck {
  /** Why each of these images (at most 10) must be kept; images absent from the map may go. */
  keptImages(imageIds: readonly string[]): Promise<Map<string, KeepVerdict>>;
}

export interface ReferenceCheckDeps {
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
  readonly config: ReferenceCheckConfig;
  readonly clock: Clock;
  readonly logger: Pick<Logger, 'warn' | 'info'>;
}

/**
 * Deletions are paced, so a group checked a minute after another must see the account as it
 * is then; within a minute, re-reading every template and parameter would only burn EC2's and
 * SSM's request budgets.
 */
export const FALLBACK_SNAPSHOT_MAX_AGE_MS = 60_000;

/**
 * Asks EC2, right before a group of images is deleted, whether anything still needs them. One
 * check lives for one invocation: where DescribeImageReferences is refused (no permission, or
 * a Region or partition without it), the refusal is remembered and instances, launch templates
 * and SSM parameters are read directly instead; Image Builder recipes are then not checked.
 * Any other error propagates, so the caller deletes nothing and retries.
 */
export function createReferenceCheck(deps: ReferenceCheckDeps): ReferenceCheck {
  const { ec2, ssm, config, clock, logger } = deps;
  let refused = false;
  const launchTemplateImages = cacheFor(
    () => readLaunchTemplateImages(ec2, config.launchTemplateVersionDepth),
    clock,
    FALLBACK_SNAPSHOT_MAX_AGE_MS,
  );
  const parameterImages = cacheFor(
    () => readSsmParameterImages(ssm, config.ssmParameterPrefix),
    clock,
    FALLBACK_SNAPSHOT_MAX_AGE_MS,
  );

  async function referencedImages(imageIds: readonly string[]) {
    if (!refused) {
      try {
        return await describeImageReferences(ec2, imageIds, config.launchTemplateVersionDepth);
      } catch (error) {
        if (!isRefusal(error)) throw error;
        if (!refused) {
          refused = true;
          logger.warn(
            'DescribeImageReferences refused: for the rest of this invocation, instances, launch templates and SSM parameters are read directly, and Image Builder recipes are not checked',
            {
              code: error.name,
              reason: error.message,
              missingPermission: 'ec2:DescribeImageReferences',
              alsoNeeded:
                'the permissions EC2 uses on the caller’s behalf: ec2:DescribeInstances, ec2:DescribeLaunchTemplates, ec2:DescribeLaunchTemplateVersions, ssm:DescribeParameters, ssm:GetParameters, imagebuilder:ListImageRecipes, imagebuilder:ListContainerRecipes, imagebuilder:GetContainerRecipe',
            },
          );
        }
      }
    }
    return readUsageDirectly(imageIds);
  }

  async function readUsageDirectly(imageIds: readonly string[]) {
    const [instances, templates, parameters] = await Promise.all([
      findInstancesUsingImages(ec2, imageIds),
      launchTemplateImages(),
      parameterImages(),
    ]);
    const kept = new Map<string, KeepVerdict>();
    for (const imageId of imageIds) {
      const verdict = firstVerdict([
        ['in-use-by-instance', instances.get(imageId)],
        ['in-use-by-launch-template', templates.get(imageId)],
        ['in-use-by-ssm-parameter', parameters.get(imageId)],
      ]);
      if (verdict !== undefined) kept.set(imageId, verdict);
    }
    return kept;
  }

  return {
    async keptImages(imageIds) {
      const unique = [...new Set(imageIds)];
      if (unique.length > MAX_IMAGES_PER_REFERENCE_CHECK) {
        throw new RangeError(
          `at most ${MAX_IMAGES_PER_REFERENCE_CHECK} images are checked at once, got ${unique.length}`,
        );
      }
      if (unique.length === 0) return new Map();
      const kept = await referencedImages(unique);
      if (!config.purgeSharedImages) {
        const unreferenced = unique.filter((imageId) => !kept.has(imageId));
        const sharing = await Promise.all(
          unreferenced.map((imageId) => describeImageSharing(ec2, imageId)),
        );
        unreferenced.forEach((imageId, index) => {
          const detail = sharing[index];
          if (detail !== undefined) {
            kept.set(imageId, { reason: 'shared-with-other-accounts', detail });
          }
        });
      }
      return kept;
    },
  };
}

function firstVerdict(
  candidates: readonly [KeepVerdict['reason'], string | undefined][],
): KeepVerdict | undefined {
  for (const [reason, detail] of candidates) {
    if (detail !== undefined) return { reason, detail };
  }
  return undefined;
}
