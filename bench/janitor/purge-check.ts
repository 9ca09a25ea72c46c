import type { Ec2State, Ec2Stats } from '../../infra/local/ec2';
import type { BusStub } from './bus-stub';
import type { JanitorFixture } from './fixture';
import type { PurgeRunRecord } from './purge-result';
import type { DeregisterCall } from './recorded-ec2';

export interface PurgeCheckInput {
  readonly world: JanitorFixture;
  readonly before: Ec2State;
  readonly after: Ec2State;
  readonly stats: Ec2Stats;
  readonly deregisterCalls: readonly DeregisterCall[];
  readonly bus: ReturnType<BusStub['counts']>;
  readonly run: PurgeRunRecord;
  readonly maxInvocations: number;
  readonly deregisterBucket: { readonly capacity: number; readonly refillPerSecond: number };
}

export interface PurgeCheck {
  readonly deregistered: number;
  /** From the first successful DeregisterImage to the last, as EC2 received them. */
  readonly elapsedSeconds: number;
  /** Deregistrations ÷ (capacity + refill × elapsed). */
  readonly ofAllowed: number;
  /**
   * The same with the time between one invocation's last call and the next one's first allowing
   * no more than the bucket's capacity: what a client that pauses to list could at best achieve.
   */
  readonly ofAllowedWhileDeregistering: number;
  readonly gapsSeconds: readonly number[];
  readonly gapSeconds: number;
  readonly describeCalls: number;
  readonly describePer1k: number;
  readonly throttled: number;
  readonly throttledByAction: Readonly<Record<string, number>>;
  /** Everything that went wrong: handler errors, failed deletions, an unfinished run. */
  readonly errors: readonly string[];
  /** Images (or their snapshots) deleted that should stay, or kept that should go. */
  readonly wrongSet: readonly string[];
  /** Expected images not deregistered exactly once, or not reported exactly once. */
  readonly skippedOrRepeated: readonly string[];
}

/** Judges a finished purge run against the account it started from. */
export function checkPurge(input: PurgeCheckInput): PurgeCheck {
  const { world, run, stats } = input;
  const succeeded = input.deregisterCalls.filter((call) => call.statusCode === 200);
  const first = succeeded[0]?.receivedAt ?? 0;
  const last = succeeded.at(-1)?.receivedAt ?? 0;
  const elapsedSeconds = (last - first) / 1000;
  const gapsSeconds = gapsBetweenInvocations(run, succeeded);
  const gapSeconds = gapsSeconds.reduce((sum, gap) => sum + gap, 0);
  const allowed = (seconds: number) =>
    input.deregisterBucket.capacity + input.deregisterBucket.refillPerSecond * seconds;

  const describeCalls = Object.entries(stats.calls)
    .filter(([action]) => action.startsWith('Describe'))
    .reduce((sum, [, calls]) => sum + calls, 0);
  const throttled = Object.values(stats.throttled).reduce((sum, count) => sum + count, 0);

  return {
    deregistered: succeeded.length,
    elapsedSeconds,
    ofAllowed: succeeded.length / allowed(elapsedSeconds),
    // A paused bucket fills up to its capacity and no further.
    ofAllowedWhileDeregistering:
      succeeded.length /
      (allowed(elapsedSeconds - gapSeconds) +
        gapsSeconds.reduce(
          (sum, gap) =>
            sum +
            Math.min(input.deregisterBucket.capacity, input.deregisterBucket.refillPerSecond * gap),
          0,
        )),
    gapsSeconds,
    gapSeconds,
    describeCalls,
    describePer1k: describeCalls / (succeeded.length / 1000),
    throttled,
    throttledByAction: stats.throttled,
    errors: runErrors(input),
    wrongSet: wrongSet(input),
    skippedOrRepeated: skippedOrRepeated(world.expectedPurged, succeeded, run.reportedPurged),
  };
}

/** For each invocation after the first: from the previous one's last deregistration to its first. */
function gapsBetweenInvocations(
  run: PurgeRunRecord,
  succeeded: readonly DeregisterCall[],
): number[] {
  const windows = run.invocations.flatMap((invocation) => {
    const inside = succeeded.filter(
      (call) => call.receivedAt >= invocation.startedAt && call.receivedAt <= invocation.endedAt,
    );
    const from = inside[0]?.receivedAt;
    const to = inside.at(-1)?.receivedAt;
    return from === undefined || to === undefined ? [] : [{ from, to }];
  });
  return windows.slice(1).map((window, index) => {
    const previous = windows[index] as { to: number };
    return (window.from - previous.to) / 1000;
  });
}

function runErrors({ run, deregisterCalls, bus, maxInvocations }: PurgeCheckInput): string[] {
  const errors: string[] = [];
  for (const invocation of run.invocations) {
    if (invocation.error !== undefined) errors.push(`invocation threw: ${invocation.error}`);
  }
  const lastInvocation = run.invocations.at(-1);
  if (lastInvocation?.result?.done !== true) {
    errors.push(`the run did not end within ${maxInvocations} invocations`);
  }
  if (run.reportedFailed > 0) errors.push(`${run.reportedFailed} images reported failed`);
  const unexpected = deregisterCalls.filter(
    (call) => call.statusCode !== 200 && call.statusCode !== 503,
  );
  if (unexpected.length > 0) {
    errors.push(
      `${unexpected.length} DeregisterImage answered other than 200/503 (first: ${unexpected[0]?.imageId} ${unexpected[0]?.statusCode})`,
    );
  }
  if (bus.rejected > 0) errors.push(`${bus.rejected} PutEvents calls broke EventBridge's limits`);
  const consecutive = run.parts.every((part, index) => part === index + 1);
  if (!consecutive || !run.finalPartSeen) {
    errors.push(`AmiPurged parts ${run.parts.join(',')} are not 1..n ending with final`);
  }
  const notDeleted = Object.entries(run.snapshotResults).filter(([result]) => result !== 'success');
  if (notDeleted.length > 0) {
    errors.push(`snapshot results other than success: ${JSON.stringify(run.snapshotResults)}`);
  }
  return errors;
}

function wrongSet({ world, before, after }: PurgeCheckInput): string[] {
  const remainingImages = new Set(after.images.map((image) => image.imageId));
  const remainingSnapshots = new Set(after.snapshots.map((snapshot) => snapshot.snapshotId));
  const wrong: string[] = [];
  for (const image of before.images) {
    const shouldGo = world.expectedPurged.has(image.imageId);
    if (shouldGo === remainingImages.has(image.imageId)) {
      wrong.push(`${image.imageId} ${shouldGo ? 'kept' : 'deleted'}`);
    }
    for (const { snapshotId } of image.blockDevices) {
      if (shouldGo === remainingSnapshots.has(snapshotId)) {
        wrong.push(`${snapshotId} of ${image.imageId} ${shouldGo ? 'kept' : 'deleted'}`);
      }
    }
  }
  return wrong;
}

function skippedOrRepeated(
  expected: ReadonlySet<string>,
  succeeded: readonly DeregisterCall[],
  reported: readonly string[],
): string[] {
  const deregistrations = countBy(succeeded.map((call) => call.imageId));
  const reports = countBy(reported);
  const wrong: string[] = [];
  for (const imageId of expected) {
    const times = deregistrations.get(imageId) ?? 0;
    const reportedTimes = reports.get(imageId) ?? 0;
    if (times !== 1 || reportedTimes !== 1) {
      wrong.push(`${imageId} deregistered ${times}×, reported ${reportedTimes}×`);
    }
  }
  for (const [imageId, times] of reports) {
    if (!expected.has(imageId)) wrong.push(`${imageId} reported purged ${times}× unexpectedly`);
  }
  return wrong;
}

function countBy(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}
