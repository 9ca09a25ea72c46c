import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { AmiPurgedV1 } from '../../events/ami-purged.v1';
import { SOURCES } from '../../events/contract';
import { type PublishOptions, publishEvents } from '../../events/publish';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/observability';
import type { JanitorConfig } from './config';
import { decodeCursor, encodeCursor } from './cursor';
import {
  type ClaimedImage,
  DeletionJournal,
  type DeletionOutcome,
  type JournalSlot,
} from './deletion-journal';
import { ImageDeregistrar } from './deregister-images';
import type { ReferenceCheck } from './find-image-references';
import { listDeployImagePages } from './list-deploy-images';
import type { BatchResult, RunState } from './purge-run-state';
import type { FailedEntry, PurgedEntry, SkippedEntry } from './report';
import { toPurgedDetails } from './report';
import { renewRunLock } from './run-lock';
import { selectBatch } from './select-batch';
import type { Candidate, KeepVerdict } from './select-expired-images';
import { type Timer, TokenBucket } from './token-bucket';

export interface PurgeBatchDeps {
  /** Lists and checks images; retries throttling itself (the SDK's retries). */
  readonly ec2: EC2Client;
  /** Makes one attempt per DeregisterImage: the janitor's own paced retries are the only ones. */
  readonly ec2Deregister: EC2Client;
  readonly dynamodb: DynamoDBClient;
  readonly eventBridge: EventBridgeClient;
  readonly references: ReferenceCheck;
  readonly config: JanitorConfig;
  readonly clock: Clock;
  readonly timer: Timer;
  readonly logger: Logger;
  /** Milliseconds left in this invocation. */
  readonly remainingTimeMs: () => number;
  readonly publishOptions?: PublishOptions;
  /** Largest AmiPurged detail before a report is split; the EventBridge limit by default. */
  readonly maxDetailBytes?: number;
}

/** DescribeImageReferences takes at most this many images, so deletions go in groups of it. */
export const REFERENCE_CHECK_GROUP = 10;

/**
 * One batch of a purge run: selects the next expired candidates after the run's cursor, keeps
 * what the rules protect, asks EC2 right before each group of deletions whether the images are
 * still referenced, claims each deletion in the journal before making it (the cap is the
 * journal's), deregisters with snapshots, and publishes this batch's AmiPurged part(s). It stops
 * between groups when the invocation's time runs low and hands the cursor back.
 */
export async function runPurgeBatch(run: RunState, deps: PurgeBatchDeps): Promise<BatchResult> {
  const { config, logger } = deps;
  const store = { dynamodb: deps.dynamodb, tableName: config.journalTableName, now: deps.clock };
  await renewRunLock(store, run.runId);
  const journal = await DeletionJournal.load(store, run.runId, config.maxDeletionsPerRun);

  // The first batch may use EC2's whole bucket; later ones start while it is still drained.
  const bucket = new TokenBucket(
    config.deregisterRatePerSecond,
    config.deregisterBurst,
    deps.timer,
    run.batch === 1 ? config.deregisterBurst : 0,
  );
  const deregistrar = new ImageDeregistrar(
    deps.ec2Deregister,
    bucket,
    deps.timer,
    config.deregisterConcurrency,
  );
  const carryOut = async (slot: JournalSlot, resumed: boolean) => {
    if (run.dryRun) return journal.record(slot, { kind: 'planned' });
    await deregistrar.ready();
    deregistrar.start({ imageId: slot.image.imageId, resumed }, (outcome) =>
      journal.record(
        slot,
        outcome.ok
          ? { kind: 'deleted', snapshots: outcome.snapshots }
          : { kind: 'failed', code: outcome.code, message: outcome.message },
      ),
    );
  };

  // An earlier attempt of this batch may have claimed deletions and stopped before recording
  // what happened; finish them (an image already gone was deleted by that attempt).
  for (const slot of journal.claimedBy(run.batch)) {
    if (slot.outcome === undefined) await carryOut(slot, true);
  }
  // Finished before listing, so the listing never shows an image those calls are deleting.
  await deregistrar.settle();

  const { candidates, exhausted } = await selectBatch(
    listDeployImagePages(deps.ec2, run.instanceName),
    {
      now: new Date(run.startedAt),
      retentionDays: config.retentionDays,
      keepLatest: config.keepLatest,
      batchSize: config.purgeBatchSize,
      ...(run.cursor === undefined ? {} : { after: decodeCursor(run.cursor) }),
    },
  );

  const skipped: SkippedEntry[] = [];
  let capReached = false;
  const skip = (candidate: Candidate, verdict: KeepVerdict) => {
    if (verdict.reason === 'deletion-cap') capReached = true;
    skipped.push({
      ...imageRef(candidate),
      reason: verdict.reason,
      ...(verdict.detail === undefined ? {} : { detail: verdict.detail }),
    });
  };
  const capVerdict: KeepVerdict = {
    reason: 'deletion-cap',
    detail: `at most ${config.maxDeletionsPerRun} per run`,
  };

  let cursor = run.cursor;
  let stopped = false;
  for (const group of groupsToCheck(candidates, () => journal.full)) {
    // Every batch decides at least one group, so a run always moves forward.
    if (cursor !== run.cursor && deps.remainingTimeMs() < config.timeBudgetMarginMs) {
      stopped = true;
      break;
    }
    const free: Candidate[] = [];
    for (const candidate of group) {
      if (candidate.kept !== undefined) skip(candidate, candidate.kept);
      else if (journal.full) skip(candidate, capVerdict);
      else free.push(candidate);
    }
    const verdicts =
      free.length === 0
        ? new Map<string, KeepVerdict>()
        : await deps.references.keptImages(free.map(({ image }) => image.imageId));
    const unused: Candidate[] = [];
    for (const candidate of free) {
      const verdict = verdicts.get(candidate.image.imageId);
      if (verdict === undefined) unused.push(candidate);
      else skip(candidate, verdict);
    }
    const slots = await journal.claimAll(unused.map(claimedImage), run.batch);
    for (const [index, candidate] of unused.entries()) {
      const slot = slots[index];
      if (slot === undefined) skip(candidate, capVerdict);
      // An image an earlier attempt claimed and settled (its deletion failed) is decided already.
      else if (slot.outcome === undefined) await carryOut(slot, false);
    }
    const last = group.at(-1);
    if (last !== undefined) cursor = encodeCursor(last.key);
  }
  await deregistrar.settle();

  const done = exhausted && !stopped;
  const claimed = journal.claimedBy(run.batch);
  const purged = claimed.flatMap((slot) => purgedEntry(slot));
  const failed = claimed.flatMap((slot) => failedEntry(slot));
  const reportsSomething = purged.length + failed.length + skipped.length > 0;
  const details =
    reportsSomething || done
      ? toPurgedDetails(
          {
            runId: run.runId,
            requestId: run.requestId,
            trigger: run.trigger,
            ...(run.instanceName === undefined ? {} : { instanceName: run.instanceName }),
            dryRun: run.dryRun,
            retentionDays: config.retentionDays,
            keepLatest: config.keepLatest,
          },
          { purged, failed, skipped, capReached },
          {
            firstPart: run.nextPart,
            endsRun: done,
            occurredAt: deps.clock().toISOString(),
            ...(deps.maxDetailBytes === undefined ? {} : { maxDetailBytes: deps.maxDetailBytes }),
          },
        )
      : [];
  await publishEvents(
    deps.eventBridge,
    config.eventBusName,
    details.map((detail) => ({ contract: AmiPurgedV1, source: SOURCES.janitor, detail })),
    deps.publishOptions,
  );

  const next: RunState = {
    ...run,
    batch: run.batch + 1,
    nextPart: run.nextPart + details.length,
    ...(cursor === undefined ? {} : { cursor }),
  };
  logger.info(done ? 'purge run done' : 'purge batch done, run continues', {
    runId: run.runId,
    batch: run.batch,
    candidates: candidates.length,
    purged: purged.length,
    failed: failed.length,
    skipped: skipped.length,
    capReached,
    parts: details.map((detail) => detail.data.part),
  });
  return { run: next, done, purged: purged.length };
}

/**
 * Candidates in run order, cut after every `REFERENCE_CHECK_GROUP` images that still need EC2's
 * word (kept ones ride along in the same group). Once the cap is reached nothing needs it, and
 * the rest is one group.
 */
function* groupsToCheck(
  candidates: readonly Candidate[],
  capReached: () => boolean,
): Generator<Candidate[]> {
  let group: Candidate[] = [];
  let needingCheck = 0;
  for (const candidate of candidates) {
    group.push(candidate);
    if (candidate.kept === undefined && !capReached()) needingCheck += 1;
    if (needingCheck === REFERENCE_CHECK_GROUP) {
      yield group;
      group = [];
      needingCheck = 0;
    }
  }
  if (group.length > 0) yield group;
}

function imageRef({ image }: Candidate) {
  return {
    imageId: image.imageId,
    ...(image.imageName === undefined ? {} : { imageName: image.imageName }),
    instanceName: image.instanceName,
  };
}

function claimedImage(candidate: Candidate): ClaimedImage {
  return {
    ...imageRef(candidate),
    createdAt: candidate.image.createdAt,
    ageDays: Math.round(candidate.ageDays * 10) / 10,
    snapshotIds: candidate.image.snapshotIds,
  };
}

function purgedEntry({ image, outcome }: JournalSlot): PurgedEntry[] {
  if (outcome === undefined || outcome.kind === 'failed') return [];
  const { snapshotIds, ...ref } = image;
  // A dry run lists the snapshots that would go, without results; so does a deletion whose
  // results an interrupted attempt did not record.
  const snapshots = deletedSnapshots(outcome);
  return [
    {
      ...ref,
      snapshots:
        snapshots.length > 0 ? [...snapshots] : snapshotIds.map((snapshotId) => ({ snapshotId })),
    },
  ];
}

function deletedSnapshots(outcome: DeletionOutcome) {
  return outcome.kind === 'deleted' ? outcome.snapshots : [];
}

function failedEntry({ image, outcome }: JournalSlot): FailedEntry[] {
  if (outcome?.kind !== 'failed') return [];
  return [
    {
      imageId: image.imageId,
      ...(image.imageName === undefined ? {} : { imageName: image.imageName }),
      instanceName: image.instanceName,
      code: outcome.code,
      message: outcome.message,
    },
  ];
}
