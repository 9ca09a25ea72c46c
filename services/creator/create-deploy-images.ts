import type { EC2Client } from '@aws-sdk/client-ec2';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SFNClient } from '@aws-sdk/client-sfn';
import pLimit from 'p-limit';
import { AmiCreatedV1 } from '../../events/ami-created.v1';
import type { AmiFailedV1Detail } from '../../events/ami-failed.v1';
import type { AmiRequestedV1Detail } from '../../events/ami-requested.v1';
import { SOURCES } from '../../events/contract';
import { type OutgoingEvent, type PublishOptions, publishEvents } from '../../events/publish';
import type { Clock } from '../shared/clock';
import { type Logger, METRIC, type Metrics, MetricUnit } from '../shared/observability';
import type { RequestLedger, RequestOrigin } from '../shared/request-ledger';
import { hasEnded, type LedgerRecord } from '../shared/request-ledger-record';
import { announceFailure } from './announce-failure';
import type { CreatorConfig } from './config';
import { createDeployImage, type DeployImageOutcome } from './create-deploy-image';
import { startWatcher } from './start-watcher';

const MS_PER_MINUTE = 60_000;

export interface CreatorDependencies {
  readonly ec2: EC2Client;
  readonly sfn: SFNClient;
  readonly eventBridge: EventBridgeClient;
  readonly ledger: RequestLedger;
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
  /** Names whose terminal event an earlier delivery published: nothing is done for them. */
  readonly ended: readonly string[];
  readonly executionArns: readonly string[];
}

/** A name the ledger shows as ended: its terminal event is out, so it is left alone. */
interface EndedName {
  readonly kind: 'ended';
  readonly instanceName: string;
}

type NameOutcome = DeployImageOutcome | EndedName;

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
 * CREATE_CONCURRENCY), then one watcher execution for all images made, then AmiCreated, and each
 * failed name to the announcer, which publishes its AmiFailed. Every step is idempotent on the
 * request id, so when a later step throws the platform can redeliver the whole request safely. Execution starts before publishing: an image announced
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
  const { sfn, eventBridge, clock, config, logger, metrics } = deps;
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
  const origin: RequestOrigin = {
    requestedAt: request.metadata.occurredAt ?? clock().toISOString(),
    ...(request.data.requestedBy === undefined ? {} : { requestedBy: request.data.requestedBy }),
    ...(request.data.requestLabel === undefined ? {} : { requestLabel: request.data.requestLabel }),
  };

  const limit = pLimit(config.createConcurrency);
  const outcomes: NameOutcome[] = await Promise.all(
    instanceNames.map((instanceName) =>
      limit(() =>
        decideName({ requestId, instanceName }, { origin, noReboot, rebootRefused }, deps),
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
  // A failed name ends only through the ledger: its failure is written first, and a name whose
  // terminal event an earlier delivery published is not announced again.
  const failures = outcomes.flatMap((outcome) => (outcome.kind === 'failed' ? [outcome] : []));
  const settled =
    deferred.length > 0
      ? []
      : await settleFailures(deps.ledger, requestId, origin, failures, config.createConcurrency);
  // An image an execution already watched was handed over by an earlier delivery, which went on
  // to announce it (unless publishing itself failed then).
  const toAnnounce: DeployImageOutcome[] = [
    ...images.filter((outcome) => startedImageIds.has(outcome.image.imageId)),
    ...settled,
  ];
  const occurredAt = clock().toISOString();
  const metadata = { schemaVersion: 1 as const, requestId, occurredAt };
  await publishEvents(
    eventBridge,
    config.eventBusName,
    createdEvents(toAnnounce, metadata, noReboot),
    deps.publishOptions,
  );
  // A failure is a terminal event: the announcer publishes it and marks it published, once
  // however often this request is delivered (see announce-failure.ts).
  const announce = pLimit(config.createConcurrency);
  await Promise.all(
    settled.map((failure) =>
      announce(async () => {
        const handover = await announceFailure(
          sfn,
          config.announcerArn,
          failedDetail(failure, metadata),
        );
        logger.info(
          handover.started
            ? 'failure handed to the announcer'
            : 'failure already with the announcer',
          { instanceName: failure.instanceName, executionArn: handover.executionArn },
        );
      }),
    ),
  );

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
    failed: failures.map((outcome) => ({
      instanceName: outcome.instanceName,
      reason: outcome.reason,
    })),
    ended: outcomes.flatMap((outcome) => (outcome.kind === 'ended' ? [outcome.instanceName] : [])),
    executionArns,
  };
}

/**
 * One name of the request, the ledger first: a name that has ended is left alone, a name that has
 * an image goes on with it (whatever minute it is now), and any other name is recorded as
 * `creating` before EC2 is asked, then `pending` with the image EC2 made. The tag lookup in
 * `createDeployImage` remains the fallback for an image made before its record was written.
 */
async function decideName(
  key: { requestId: string; instanceName: string },
  request: { origin: RequestOrigin; noReboot: boolean; rebootRefused: boolean },
  deps: CreatorDependencies,
): Promise<NameOutcome> {
  const { ledger } = deps;
  const known = fromRecord(await ledger.read(key), deps.clock);
  if (known) return known;
  if (request.rebootRefused) return rebootNotAllowed(key.instanceName);
  if (!(await ledger.markCreating(key, request.origin))) {
    // Another delivery moved the name on between the read and the write.
    return (
      fromRecord(await ledger.read(key), deps.clock) ?? {
        kind: 'deferred',
        instanceName: key.instanceName,
        message: 'the request ledger changed while the name was being decided',
      }
    );
  }
  const outcome = await createDeployImage(deps.ec2, deps.clock, {
    requestId: key.requestId,
    instanceName: key.instanceName,
    noReboot: request.noReboot,
    timeZone: deps.config.timeZone,
  });
  if (outcome.kind !== 'created') return outcome;
  const recorded = await ledger.markPending(key, request.origin, {
    instanceId: outcome.image.instanceId,
    imageId: outcome.image.imageId,
    imageName: outcome.image.imageName,
  });
  return recorded ? outcome : { kind: 'ended', instanceName: key.instanceName };
}

/** What the ledger already settles: an ended name, or a name whose image is known. */
function fromRecord(record: LedgerRecord | undefined, clock: Clock): NameOutcome | undefined {
  if (record === undefined) return undefined;
  if (hasEnded(record)) return { kind: 'ended', instanceName: record.instanceName };
  const { instanceId, imageId, imageName } = record;
  if (instanceId === undefined || imageId === undefined || imageName === undefined)
    return undefined;
  if (record.state === 'failed') return undefined;
  return {
    kind: 'created',
    image: {
      requestId: record.requestId,
      instanceName: record.instanceName,
      instanceId,
      imageId,
      imageName,
    },
    createdAt: clock(),
    reused: true,
  };
}

/** Writes each failure as the name's terminal state; answers the ones this delivery may announce. */
async function settleFailures(
  ledger: RequestLedger,
  requestId: string,
  origin: RequestOrigin,
  failures: readonly Extract<DeployImageOutcome, { kind: 'failed' }>[],
  concurrency: number,
): Promise<Extract<DeployImageOutcome, { kind: 'failed' }>[]> {
  const limit = pLimit(concurrency);
  const settled = await Promise.all(
    failures.map((failure) =>
      limit(async () => {
        const { kind: _kind, instanceName, ...rest } = failure;
        return (await ledger.settleFailed({ requestId, instanceName }, origin, rest))
          ? failure
          : undefined;
      }),
    ),
  );
  return settled.filter((failure) => failure !== undefined);
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

/** AmiCreated per image handed to the watcher in this delivery. */
function createdEvents(
  outcomes: readonly DeployImageOutcome[],
  metadata: { schemaVersion: 1; requestId: string; occurredAt: string },
  noReboot: boolean,
): OutgoingEvent[] {
  return outcomes.flatMap((outcome): OutgoingEvent[] =>
    outcome.kind === 'created'
      ? [
          {
            contract: AmiCreatedV1,
            source: SOURCES.creator,
            detail: {
              metadata,
              data: { ...outcome.image, noReboot, createdAt: outcome.createdAt.toISOString() },
            },
          },
        ]
      : [],
  );
}

/** The AmiFailed detail of a failed name, as its announcer publishes it. */
function failedDetail(
  outcome: Extract<DeployImageOutcome, { kind: 'failed' }>,
  metadata: { schemaVersion: 1; requestId: string; occurredAt: string },
): AmiFailedV1Detail {
  const { kind: _kind, ...failure } = outcome;
  return {
    metadata,
    data: { requestId: metadata.requestId, ...failure, failedAt: metadata.occurredAt },
  };
}

function logOutcome(logger: Logger, outcome: NameOutcome): void {
  switch (outcome.kind) {
    case 'ended':
      logger.info('name already ended; nothing to do', { instanceName: outcome.instanceName });
      return;
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
