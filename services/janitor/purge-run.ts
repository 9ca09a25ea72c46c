import type { EC2Client } from '@aws-sdk/client-ec2';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { AmiPurgeRequestedV1Detail } from '../../events/ami-purge-requested.v1';
import { AmiPurgeRequestedV1 } from '../../events/ami-purge-requested.v1';
import { AmiPurgedV1 } from '../../events/ami-purged.v1';
import { SOURCES } from '../../events/contract';
import { type OutgoingEvent, type PublishOptions, publishEvents } from '../../events/publish';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/observability';
import type { JanitorConfig } from './config';
import { type CandidateKey, compareKeys, encodeCursor } from './cursor';
import {
  type DeregisterOutcome,
  ImageDeregistrar,
  type SnapshotOutcome,
} from './deregister-images';
import { findImagesUsedByInstances, findImagesUsedByLaunchTemplates } from './find-images-in-use';
import { listDeployImages } from './list-deploy-images';
import type { PurgeRequest } from './purge-request';
import {
  type FailedEntry,
  type PartReport,
  type PurgedEntry,
  type SkippedEntry,
  toPurgedDetails,
} from './report';
import {
  type Candidate,
  type ImageUsage,
  keptForUse,
  selectExpiredImages,
} from './select-expired-images';
import { type Timer, TokenBucket } from './token-bucket';

export interface PurgeDeps {
  readonly ec2: EC2Client;
  readonly eventBridge: EventBridgeClient;
  readonly config: JanitorConfig;
  readonly clock: Clock;
  /** Paces deregistrations. */
  readonly timer: Timer;
  readonly logger: Logger;
  /** Milliseconds left in this invocation (Lambda's `context.getRemainingTimeInMillis`). */
  readonly remainingTimeMs: () => number;
  readonly publishOptions?: PublishOptions;
  /** Largest AmiPurged detail before a report is split; the EventBridge limit by default. */
  readonly maxDetailBytes?: number;
}

export interface PurgeRunResult {
  readonly runId: string;
  readonly dryRun: boolean;
  /** Part numbers of the AmiPurged events this invocation published. */
  readonly parts: readonly number[];
  /** Deregistered (in a dry run: would be). */
  readonly purged: number;
  readonly skipped: number;
  readonly failed: number;
  readonly capReached: boolean;
  /** True when the run continues in a next invocation. */
  readonly continued: boolean;
}

/**
 * One invocation of a purge run: lists the Deploy images, walks the expired ones in the run's
 * order from where the previous part stopped, keeps what the safety rules protect, deregisters
 * the rest with their snapshots (paced, capped, or only reported in a dry run), and publishes
 * the AmiPurged part(s). When the time budget runs out it stops between images and publishes an
 * AmiPurgeRequested continuation that resumes right after the last image it decided.
 */
export async function runPurge(request: PurgeRequest, deps: PurgeDeps): Promise<PurgeRunResult> {
  const { config, ec2, logger } = deps;
  const startedAt = request.startedAt ?? deps.clock();
  const dryRun = request.dryRun ?? config.dryRun;

  const images = await listDeployImages(ec2, request.instanceName);
  const after = request.after;
  const candidates = selectExpiredImages(images, {
    now: startedAt,
    retentionDays: config.retentionDays,
    keepLatest: config.keepLatest,
  }).filter((candidate) => after === undefined || compareKeys(candidate.key, after) > 0);
  logger.info('purge part started', {
    part: request.part,
    dryRun,
    images: images.length,
    candidates: candidates.length,
  });

  const purged: Keyed<PurgedEntry>[] = [];
  const failed: Keyed<FailedEntry>[] = [];
  const skipped: SkippedEntry[] = [];
  let attempted = request.purgedSoFar;
  let capReached = false;
  let lastDecided: CandidateKey | undefined;
  let stopped = false;

  // A continuation starts while EC2's bucket is still drained by the previous part.
  const bucket = new TokenBucket(
    config.deregisterRatePerSecond,
    config.deregisterBurst,
    deps.timer,
    request.after === undefined ? config.deregisterBurst : 0,
  );
  const deregistrar = new ImageDeregistrar(ec2, bucket, config.deregisterConcurrency);
  // Every part decides at least one image, so a run always moves forward.
  const outOfTime = () =>
    lastDecided !== undefined && deps.remainingTimeMs() < config.timeBudgetMarginMs;

  // Usage is read once per part, just before its deletions: only images no other rule keeps.
  const toCheck = candidates.filter((candidate) => candidate.kept === undefined);
  const usage: ImageUsage =
    toCheck.length === 0
      ? { instances: new Map(), launchTemplates: new Map() }
      : {
          instances: await findImagesUsedByInstances(
            ec2,
            toCheck.map((candidate) => candidate.image.imageId),
          ),
          launchTemplates: await findImagesUsedByLaunchTemplates(ec2),
        };

  for (const candidate of candidates) {
    const kept = candidate.kept ?? keptForUse(candidate.image.imageId, usage);
    if (kept !== undefined || attempted >= config.maxDeletionsPerRun) {
      if (kept === undefined) capReached = true;
      skipped.push({
        ...imageRef(candidate),
        reason: kept?.reason ?? 'deletion-cap',
        ...(kept?.detail === undefined ? {} : { detail: kept.detail }),
      });
      lastDecided = candidate.key;
      continue;
    }
    if (dryRun) {
      purged.push(purgedEntry(candidate, undefined));
    } else {
      await deregistrar.ready();
      if (outOfTime()) {
        stopped = true;
        break;
      }
      deregistrar.start(candidate.image.imageId, (outcome) =>
        record(candidate, outcome, purged, failed),
      );
    }
    attempted += 1;
    lastDecided = candidate.key;
  }
  await deregistrar.settle();

  const report: PartReport = {
    purged: inRunOrder(purged),
    failed: inRunOrder(failed),
    skipped,
    capReached,
  };
  const occurredAt = deps.clock().toISOString();
  const details = toPurgedDetails(
    {
      runId: request.runId,
      trigger: request.trigger,
      ...(request.instanceName === undefined ? {} : { instanceName: request.instanceName }),
      dryRun,
      retentionDays: config.retentionDays,
      keepLatest: config.keepLatest,
    },
    report,
    {
      firstPart: request.part,
      endsRun: !stopped,
      occurredAt,
      ...(deps.maxDetailBytes === undefined ? {} : { maxDetailBytes: deps.maxDetailBytes }),
    },
  );
  const events: OutgoingEvent[] = details.map((detail) => ({
    contract: AmiPurgedV1,
    source: SOURCES.janitor,
    detail,
  }));
  if (stopped && lastDecided !== undefined) {
    const continuation: AmiPurgeRequestedV1Detail = {
      metadata: { schemaVersion: 1, requestId: request.runId, occurredAt },
      data: {
        ...(request.instanceName === undefined ? {} : { instanceName: request.instanceName }),
        // The resolved value, so a setting changed mid-run cannot turn a dry run into deletions.
        dryRun,
        continuation: {
          trigger: request.trigger,
          part: request.part + details.length,
          purgedSoFar: attempted,
          cursor: encodeCursor(lastDecided),
          startedAt: startedAt.toISOString(),
        },
      },
    };
    events.push({ contract: AmiPurgeRequestedV1, source: SOURCES.janitor, detail: continuation });
  }
  await publishEvents(deps.eventBridge, config.eventBusName, events, deps.publishOptions);

  const result: PurgeRunResult = {
    runId: request.runId,
    dryRun,
    parts: details.map((detail) => detail.data.part),
    purged: report.purged.length,
    skipped: report.skipped.length,
    failed: report.failed.length,
    capReached,
    continued: stopped,
  };
  logger.info(stopped ? 'purge part done, run continues' : 'purge run done', { ...result });
  return result;
}

/** An entry with its place in the run's order. */
interface Keyed<Entry> {
  readonly key: CandidateKey;
  readonly entry: Entry;
}

function record(
  candidate: Candidate,
  outcome: DeregisterOutcome,
  purged: Keyed<PurgedEntry>[],
  failed: Keyed<FailedEntry>[],
): void {
  if (outcome.ok) {
    purged.push(purgedEntry(candidate, outcome.snapshots));
  } else {
    failed.push({
      key: candidate.key,
      entry: { ...imageRef(candidate), code: outcome.code, message: outcome.message },
    });
  }
}

function purgedEntry(
  candidate: Candidate,
  snapshots: readonly SnapshotOutcome[] | undefined,
): Keyed<PurgedEntry> {
  return {
    key: candidate.key,
    entry: {
      ...imageRef(candidate),
      createdAt: candidate.image.createdAt,
      ageDays: Math.round(candidate.ageDays * 10) / 10,
      // A dry run lists the snapshots that would go, without results.
      snapshots: snapshots
        ? [...snapshots]
        : candidate.image.snapshotIds.map((snapshotId) => ({ snapshotId })),
    },
  };
}

function imageRef({ image }: Candidate) {
  return {
    imageId: image.imageId,
    ...(image.imageName === undefined ? {} : { imageName: image.imageName }),
    instanceName: image.instanceName,
  };
}

/** Deregistrations finish in any order; reports list them in the run's order. */
function inRunOrder<Entry>(entries: Keyed<Entry>[]): Entry[] {
  return entries.sort((a, b) => compareKeys(a.key, b.key)).map(({ entry }) => entry);
}
