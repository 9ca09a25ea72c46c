import { createHash } from 'node:crypto';
import { AmiAvailableV1 } from '../../events/ami-available.v1';
import { AmiPurgeRequestedV1 } from '../../events/ami-purge-requested.v1';
import type { PURGE_TRIGGERS } from '../../events/ami-purged.v1';
import { InvalidEventError, parseEvent } from '../../events/contract';
import { requestIdSchema, timestampSchema } from '../../events/fields';
import { describeIssues } from '../../events/issues';
import * as z from '../../events/zod';

export type PurgeTriggerKind = (typeof PURGE_TRIGGERS)[number];

/**
 * What an event may ask of the janitor: start a run, for one name or all, perhaps as a dry run.
 * Nothing here widens a run; retention, keep-latest, the cap and the clock are the run's own.
 */
export interface PurgeTrigger {
  /** Names the run's execution, so a redelivered trigger starts no second run. */
  readonly runId: string;
  /** The request the run's reports answer to: AmiAvailable's own request, else the run id. */
  readonly requestId: string;
  readonly trigger: PurgeTriggerKind;
  /** Absent: every instance name. */
  readonly instanceName?: string;
  /** Only `true` is ever carried: an event can make a run dry, never make it delete. */
  readonly dryRun?: true;
  /** `AmiAvailable` claims an image exists; the janitor checks the claim in EC2 first. */
  readonly claimedImage?: { readonly imageId: string; readonly instanceName: string };
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
 * Reads any of the janitor's three triggers: `AmiAvailable` v1 (that name), the daily schedule
 * (every name) and `AmiPurgeRequested` v1 (on demand). Anything else throws `InvalidEventError`,
 * so it lands in the dead-letter queue with the reason.
 */
export function toPurgeTrigger(event: unknown): PurgeTrigger {
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
    const { data } = parseEvent(AmiAvailableV1, event).detail;
    return {
      runId: availableRunId(data.requestId, data.instanceName),
      requestId: data.requestId,
      trigger: 'ami-available',
      instanceName: data.instanceName,
      claimedImage: { imageId: data.imageId, instanceName: data.instanceName },
    };
  }
  if (detailType === AmiPurgeRequestedV1.detailType) {
    const { detail } = parseEvent(AmiPurgeRequestedV1, event);
    const { instanceName, dryRun } = detail.data;
    return {
      runId: detail.metadata.requestId,
      requestId: detail.metadata.requestId,
      trigger: 'manual',
      ...(instanceName === undefined ? {} : { instanceName }),
      ...(dryRun === true ? { dryRun } : {}),
    };
  }
  throw new InvalidEventError(`the janitor does not handle ${detailType}`, detailType);
}

function fromSchedule(event: unknown): PurgeTrigger {
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
  const runId = requestIdSchema.parse(`schedule-${time}-${id}`);
  return { runId, requestId: runId, trigger: 'schedule' };
}

/**
 * One request's names each end in their own AmiAvailable, so the run id covers both; a hash keeps
 * it within an execution name's 80 characters whatever the instance name holds.
 */
function availableRunId(requestId: string, instanceName: string): string {
  const digest = createHash('sha256').update(`${requestId}\n${instanceName}`).digest('hex');
  const readable = requestId.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 24);
  return `available-${readable}-${digest.slice(0, 20)}`;
}
