import { AmiAvailableV1 } from '../../events/ami-available.v1';
import { AmiPurgeRequestedV1 } from '../../events/ami-purge-requested.v1';
import type { PURGE_TRIGGERS } from '../../events/ami-purged.v1';
import { InvalidEventError, parseEvent } from '../../events/contract';
import { requestIdSchema, timestampSchema } from '../../events/fields';
import { describeIssues } from '../../events/issues';
import * as z from '../../events/zod';
import { type CandidateKey, decodeCursor, InvalidCursorError } from './cursor';

export type PurgeTrigger = (typeof PURGE_TRIGGERS)[number];

/** One invocation's share of a purge run. */
export interface PurgeRequest {
  readonly runId: string;
  readonly trigger: PurgeTrigger;
  /** Absent: every instance name. */
  readonly instanceName?: string;
  /** Absent: the DRY_RUN setting. */
  readonly dryRun?: boolean;
  /** The part number of this invocation's first AmiPurged event. */
  readonly part: number;
  /** Deregistrations already made by earlier parts (the per-run cap spans parts). */
  readonly purgedSoFar: number;
  /** Resume strictly after this candidate; absent for a run's first part. */
  readonly after?: CandidateKey;
  /** The run's clock reading, carried by continuations; absent for a run's first part. */
  readonly startedAt?: Date;
}

/** The daily EventBridge schedule rule delivers this envelope with an empty detail. */
const scheduledEventSchema = z.object({
  id: z.string().check(z.minLength(1)),
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
  time: timestampSchema,
});

const dispatchSchema = z.object({ source: z.string(), 'detail-type': z.string() });

/**
 * Reads any of the janitor's three triggers: `AmiAvailable` v1 (purge that name), the daily
 * schedule (every name) and `AmiPurgeRequested` v1 (on demand, or a run's continuation).
 * Anything else throws `InvalidEventError`, so it lands in the dead-letter queue.
 */
export function toPurgeRequest(event: unknown): PurgeRequest {
  const envelope = dispatchSchema.safeParse(event);
  if (!envelope.success) {
    throw new InvalidEventError(
      `not an EventBridge event: ${describeIssues(envelope.error)}`,
      undefined,
    );
  }
  const detailType = envelope.data['detail-type'];
  if (envelope.data.source === 'aws.events' && detailType === 'Scheduled Event') {
    return fromSchedule(event);
  }
  if (detailType === AmiAvailableV1.detailType) {
    const { detail } = parseEvent(AmiAvailableV1, event);
    return {
      runId: detail.data.requestId,
      trigger: 'ami-available',
      instanceName: detail.data.instanceName,
      part: 1,
      purgedSoFar: 0,
    };
  }
  if (detailType === AmiPurgeRequestedV1.detailType) {
    const { detail } = parseEvent(AmiPurgeRequestedV1, event);
    const { instanceName, dryRun, continuation } = detail.data;
    const scope = {
      runId: detail.metadata.requestId,
      ...(instanceName === undefined ? {} : { instanceName }),
      ...(dryRun === undefined ? {} : { dryRun }),
    };
    if (continuation === undefined) {
      return { ...scope, trigger: 'manual', part: 1, purgedSoFar: 0 };
    }
    return {
      ...scope,
      trigger: continuation.trigger,
      part: continuation.part,
      purgedSoFar: continuation.purgedSoFar,
      after: decodeContinuationCursor(continuation.cursor, detailType),
      startedAt: new Date(continuation.startedAt),
    };
  }
  throw new InvalidEventError(`the janitor does not handle ${detailType}`, detailType);
}

function fromSchedule(event: unknown): PurgeRequest {
  const scheduled = scheduledEventSchema.safeParse(event);
  if (!scheduled.success) {
    throw new InvalidEventError(
      `invalid Scheduled Event: ${describeIssues(scheduled.error)}`,
      'Scheduled Event',
    );
  }
  // The same scheduled event redelivered gets the same run id.
  const time = scheduled.data.time.replace(/[^0-9TZ]/g, '');
  const id = scheduled.data.id.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 36);
  return {
    runId: requestIdSchema.parse(`schedule-${time}-${id}`),
    trigger: 'schedule',
    part: 1,
    purgedSoFar: 0,
  };
}

function decodeContinuationCursor(cursor: string, detailType: string): CandidateKey {
  try {
    return decodeCursor(cursor);
  } catch (error) {
    if (!(error instanceof InvalidCursorError)) throw error;
    throw new InvalidEventError(
      `invalid ${detailType} v1: detail.data.continuation.cursor: ${error.message}`,
      detailType,
      {
        cause: error,
      },
    );
  }
}
