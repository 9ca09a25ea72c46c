import { PURGE_TRIGGERS } from '../../events/ami-purged.v1';
import { instanceNameSchema, requestIdSchema, timestampSchema } from '../../events/fields';
import * as z from '../../events/zod';

/**
 * What the starter hands a purge run's execution as input: only what an event may ask for, a
 * scope and a dry run. Retention, keep-latest, the cap and the clock are never part of it.
 */
export const purgeRunRequestSchema = z.object({
  trigger: z.enum(PURGE_TRIGGERS),
  /** The request the run's reports answer to (for AmiAvailable, the AMI's request). */
  requestId: requestIdSchema,
  instanceName: z.optional(instanceNameSchema),
  dryRun: z.optional(z.literal(true)),
});
export type PurgeRunRequest = z.output<typeof purgeRunRequestSchema>;

/**
 * A purge run's own state, carried by its Step Functions execution from batch to batch. The clock
 * is the execution's start time and the cursor is the last candidate a batch decided.
 */
export const runStateSchema = z.object({
  runId: requestIdSchema,
  requestId: requestIdSchema,
  trigger: z.enum(PURGE_TRIGGERS),
  instanceName: z.optional(instanceNameSchema),
  /** Resolved once, at the start: a setting changed mid-run cannot turn a dry run into deletions. */
  dryRun: z.boolean(),
  startedAt: timestampSchema,
  batch: z.number().check(z.int(), z.positive()),
  /** Number of the next AmiPurged part. */
  nextPart: z.number().check(z.int(), z.positive()),
  cursor: z.optional(z.string().check(z.maxLength(4096))),
});
export type RunState = z.output<typeof runStateSchema>;

/** The steps of a purge run's state machine, each one invocation of the janitor. */
export const purgeStepSchema = z.discriminatedUnion('step', [
  z.object({
    step: z.literal('begin'),
    runId: requestIdSchema,
    /** `$$.Execution.StartTime`: Step Functions' clock, not an event's. */
    startedAt: z.iso.datetime({ offset: true }),
    request: purgeRunRequestSchema,
  }),
  z.object({ step: z.literal('batch'), run: runStateSchema }),
  z.object({ step: z.literal('end'), runId: requestIdSchema }),
]);
export type PurgeStep = z.output<typeof purgeStepSchema>;

/** Invocations from the purge run's state machine carry their step under this key. */
export const PURGE_STEP_KEY = 'purgeRun';

export interface BatchResult {
  readonly run: RunState;
  /** True when the run decided its last candidate; the state machine then ends it. */
  readonly done: boolean;
  /** Images this batch deregistered (in a dry run: would have). */
  readonly purged: number;
}
