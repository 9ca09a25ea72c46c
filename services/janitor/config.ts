import * as z from '../../events/zod';
import { env, parseConfig } from '../shared/config';

/** A positive decimal, so a scaled-down or scaled-up DeregisterImage bucket can be matched. */
const positiveRate = (fallback: number) =>
  z.pipe(
    z._default(
      z.string().check(z.regex(/^\d+(\.\d+)?$/, { error: 'must be a positive number' })),
      String(fallback),
    ),
    z.pipe(z.transform(Number), z.number().check(z.gt(0, { error: 'must be greater than 0' }))),
  );

export const janitorConfigSchema = z.object({
  EVENT_BUS_NAME: env.required(),
  RETENTION_DAYS: env.integer(14, { min: 1 }),
  // 0 would let a run delete the last image of a name: refused.
  KEEP_LATEST: env.integer(1, { min: 1 }),
  DRY_RUN: env.boolean(false),
  MAX_DELETIONS_PER_RUN: env.integer(50, { min: 1 }),
  // EC2's DeregisterImage bucket refills 5 tokens per second and holds 100.
  DEREGISTER_RATE_PER_SECOND: positiveRate(5),
  DEREGISTER_BURST: env.integer(100, { min: 1 }),
  DEREGISTER_CONCURRENCY: env.integer(10, { min: 1, max: 100 }),
  // Room left at the end of an invocation for in-flight calls and publishing the report.
  TIME_BUDGET_MARGIN_MS: env.integer(30_000, { min: 1_000 }),
  // The purge run's journal (claimed deletions, the run lock) and its state machine.
  JOURNAL_TABLE_NAME: env.required(),
  PURGE_RUN_STATE_MACHINE_ARN: env.required(),
  // Expired candidates one batch (one invocation) decides at most.
  PURGE_BATCH_SIZE: env.integer(2_000, { min: 1, max: 10_000 }),
  // Launch template versions checked for an image, newest first; EC2 checks at most 10,000.
  LAUNCH_TEMPLATE_VERSION_DEPTH: env.integer(10_000, { min: 1, max: 10_000 }),
  // AMIs shared with other accounts are kept unless this is set: another account may launch them.
  PURGE_SHARED_IMAGES: env.boolean(false),
  // Where the fallback in-use check may read SSM parameters (the IAM grant is limited to it).
  SSM_PARAMETER_PREFIX: z._default(
    z.string().check(z.regex(/^\/[A-Za-z0-9_./-]*$/, { error: 'must be a path starting with /' })),
    '/',
  ),
});

export interface JanitorConfig {
  readonly eventBusName: string;
  readonly retentionDays: number;
  readonly keepLatest: number;
  readonly dryRun: boolean;
  readonly maxDeletionsPerRun: number;
  readonly deregisterRatePerSecond: number;
  readonly deregisterBurst: number;
  readonly deregisterConcurrency: number;
  readonly timeBudgetMarginMs: number;
  readonly journalTableName: string;
  readonly purgeRunStateMachineArn: string;
  readonly purgeBatchSize: number;
  readonly launchTemplateVersionDepth: number;
  readonly purgeSharedImages: boolean;
  readonly ssmParameterPrefix: string;
}

/** Throws `ConfigurationError` naming every bad or missing variable. */
export function parseJanitorConfig(
  environment: Record<string, string | undefined> = process.env,
): JanitorConfig {
  const raw = parseConfig('janitor', janitorConfigSchema, environment);
  return {
    eventBusName: raw.EVENT_BUS_NAME,
    retentionDays: raw.RETENTION_DAYS,
    keepLatest: raw.KEEP_LATEST,
    dryRun: raw.DRY_RUN,
    maxDeletionsPerRun: raw.MAX_DELETIONS_PER_RUN,
    deregisterRatePerSecond: raw.DEREGISTER_RATE_PER_SECOND,
    deregisterBurst: raw.DEREGISTER_BURST,
    deregisterConcurrency: raw.DEREGISTER_CONCURRENCY,
    timeBudgetMarginMs: raw.TIME_BUDGET_MARGIN_MS,
    journalTableName: raw.JOURNAL_TABLE_NAME,
    purgeRunStateMachineArn: raw.PURGE_RUN_STATE_MACHINE_ARN,
    purgeBatchSize: raw.PURGE_BATCH_SIZE,
    launchTemplateVersionDepth: raw.LAUNCH_TEMPLATE_VERSION_DEPTH,
    purgeSharedImages: raw.PURGE_SHARED_IMAGES,
    ssmParameterPrefix: raw.SSM_PARAMETER_PREFIX,
  };
}
