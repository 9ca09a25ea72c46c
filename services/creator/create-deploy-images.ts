import type { EC2Client } from '@aws-sdk/client-ec2';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SFNClient } from '@aws-sdk/client-sfn';
import pLimit from 'p-limit';
import { AmiCreatedV1 } from '../../events/ami-created.v1';
import { AmiFailedV1 } from '../../events/ami-failed.v1';
import type { AmiRequestedV1Detail } from '../../events/ami-requested.v1';
import { SOURCES } from '../../events/contract';
import { type OutgoingEvent, type PublishOptions, publishEvents } from '../../events/publish';
import type { Clock } from '../shared/clock';
import { type Logger, METRIC, type Metrics, MetricUnit } from '../shared/observability';
import type { CreatorConfig } from './config';
import { createDeployImage, type DeployImageOutcome } from './create-deploy-image';
import { startWatcher } from './start-watcher';

const MS_PER_MINUTE = 60_000;

export interface CreatorDependencies {
  readonly ec2: EC2Client;
  readonly sfn: SFNClient;
  readonly eventBridge: EventBridgeClient;
  readonly clock: Clock;
  readonly config: CreatorConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly publishOptions?: PublishOptions;
}

export interface CreateDeployImagesResult {
  readonly requestId: string;
  readonly created: readonly {
    instanceName: string;
    imageId: string;
    reused: boolean;
    /** The request whose image of the same instance and minute this one joined, if it did. */
    joinedRequestId?: string;
  }[];
  readonly failed: readonly { instanceName: string; reason: string }[];
  readonly executionArns: readonly string[];
}

/** Some names could not be settled in this delivery; the platform's retry settles them. */
export class DeployImagesIncompleteError extends Error {
  constructor(
    message: string,
    readonly instanceNames: readonly string[],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'DeployImagesIncompleteError';
  }
}

/**
 * Handles one AmiRequested: one deploy AMI per instance name (in parallel, bounded by
 * CREATE_CONCURRENCY), then one watcher execution for all images made, then AmiCreated /
 * AmiFailed. Every step is idempotent on the request id, so when a later step throws the platform
 * can redeliver the whole request safely. Execution starts before publishing: an image announced
 * as created is always being watched.
 *
 * A delivery that leaves a name unsettled (a transient EC2 error, a taken name not visible yet)
 * announces the images it got watched, publishes no AmiFailed, and then throws: the retry finds
 * those images again by their tags without announcing them again, and decides every other name
 * afresh, so a name that failed in this delivery but succeeds in the retry still ends only once.
 */
export async function createDeployImages(
  request: AmiRequestedV1Detail,
  deps: CreatorDependencies,
): Promise<CreateDeployImagesResult> {
  const { ec2, sfn, eventBridge, clock, config, logger, metrics } = deps;
  const { requestId } = request.metadata;
  const { instanceNames, options } = request.data;
  // NO_REBOOT defaults to true: EC2's own default reboots the instance, and the seed system
  // rebooted the oldest running production instance in the middle of a deploy. Without a reboot
  // the image is crash-consistent rather than filesystem-consistent; operators who need the
  // latter set NO_REBOOT=false, or allow requests to ask with ALLOW_REBOOT=true.
  const noReboot = options?.noReboot ?? config.noReboot;
  // Any permitted publisher may put AmiRequested on the bus; a reboot of production is the
  // operator's decision. Asking for what NO_REBOOT=false does anyway needs no permission.
  const rebootRefused = !noReboot && config.noReboot && !config.allowReboot;

  const limit = pLimit(config.createConcurrency);
  const outcomes: DeployImageOutcome[] = rebootRefused
    ? instanceNames.map(rebootNotAllowed)
    : await Promise.all(
        instanceNames.map((instanceName) =>
          limit(() =>
            createDeployImage(ec2, clock, {
              requestId,
              instanceName,
              noReboot,
              timeZone: config.timeZone,
            }),
          ),
        ),
      );

  const images = outcomes.flatMap((outcome) => (outcome.kind === 'created' ? [outcome] : []));
  for (const outcome of outcomes) logOutcome(logger, outcome);
  // Counted when made, so a redelivery after a later failure does not count reused images again.
  const newImages = images.filter((outcome) => !outcome.reused).length;
  if (newImages > 0) metrics.addMetric(METRIC.created, MetricUnit.Count, newImages);

  // One deadline for every image handed over in this delivery. A redelivery computes a later one,
  // but only images no execution watches yet take it: an image already watched keeps its deadline.
  const deadlineAt = new Date(
    clock().getTime() + config.waitDeadlineMinutes * MS_PER_MINUTE,
  ).toISOString();
  const { executionArns, startedImageIds } =
    images.length === 0
      ? { executionArns: [], startedImageIds: new Set<string>() }
      : await startWatcher(sfn, config.stateMachineArn, {
          requestId,
          images: images.map((outcome) => ({ ...outcome.image, deadlineAt })),
        });
  if (executionArns.length > 0) logger.info('watcher started', { executionArns });

  const deferred = outcomes.flatMap((outcome) => (outcome.kind === 'deferred' ? [outcome] : []));
  // An image an execution already watched was handed over by an earlier delivery, which went on
  // to announce it (unless publishing itself failed then).
  const toAnnounce = outcomes.filter(
    (outcome) =>
      (outcome.kind === 'created' && startedImageIds.has(outcome.image.imageId)) ||
      (outcome.kind === 'failed' && deferred.length === 0),
  );
  const occurredAt = clock().toISOString();
  const metadata = { schemaVersion: 1 as const, requestId, occurredAt };
  const events = outcomeEvents(toAnnounce, metadata, noReboot);
  await publishEvents(eventBridge, config.eventBusName, events, deps.publishOptions);

  if (deferred.length > 0) {
    throw new DeployImagesIncompleteError(
      `not settled yet: ${deferred.map((outcome) => `${outcome.instanceName} (${outcome.message})`).join('; ')}`,
      deferred.map((outcome) => outcome.instanceName),
      { cause: deferred.find((outcome) => outcome.error !== undefined)?.error },
    );
  }

  return {
    requestId,
    created: images.map(({ image, reused, joinedRequestId }) => ({
      instanceName: image.instanceName,
      imageId: image.imageId,
      reused,
      ...(joinedRequestId === undefined ? {} : { joinedRequestId }),
    })),
    failed: outcomes.flatMap((outcome) =>
      outcome.kind === 'failed'
        ? [{ instanceName: outcome.instanceName, reason: outcome.reason }]
        : [],
    ),
    executionArns,
  };
}

function rebootNotAllowed(instanceName: string): DeployImageOutcome {
  return {
    kind: 'failed',
    instanceName,
    reason: 'reboot-not-allowed',
    message:
      'The request asks to reboot the instance (options.noReboot false), and this deployment does not allow requests to reboot instances (ALLOW_REBOOT).',
  };
}

/** AmiCreated per image, AmiFailed per failed name; deferred names are announced once settled. */
function outcomeEvents(
  outcomes: readonly DeployImageOutcome[],
  metadata: { schemaVersion: 1; requestId: string; occurredAt: string },
  noReboot: boolean,
): OutgoingEvent[] {
  const events: OutgoingEvent[] = [];
  for (const outcome of outcomes) {
    if (outcome.kind === 'created') {
      events.push({
        contract: AmiCreatedV1,
        source: SOURCES.creator,
        detail: {
          metadata,
          data: { ...outcome.image, noReboot, createdAt: outcome.createdAt.toISOString() },
        },
      });
    } else if (outcome.kind === 'failed') {
      const { kind: _kind, ...failure } = outcome;
      events.push({
        contract: AmiFailedV1,
        source: SOURCES.creator,
        detail: {
          metadata,
          data: { requestId: metadata.requestId, ...failure, failedAt: metadata.occurredAt },
        },
      });
    }
  }
  return events;
}

function logOutcome(logger: Logger, outcome: DeployImageOutcome): void {
  switch (outcome.kind) {
    case 'created':
      if (outcome.joinedRequestId !== undefined) {
        // Same instance, same minute: the other request's image is this request's outcome too.
        logger.info('deploy image joined', {
          ...outcome.image,
          joinedRequestId: outcome.joinedRequestId,
        });
      } else {
        logger.info(outcome.reused ? 'deploy image reused' : 'deploy image created', {
          ...outcome.image,
        });
      }
      return;
    case 'failed':
      logger.warn('deploy image failed', { outcome });
      return;
    case 'deferred':
      logger.warn('deploy image deferred', { outcome });
      return;
  }
}
