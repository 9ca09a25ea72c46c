import { defineEvent, SOURCES } from './contract';
import {
  imageIdSchema,
  imageNameSchema,
  instanceNameSchema,
  requestIdSchema,
  snapshotIdSchema,
  timestampSchema,
} from './fields';
import { metadataV1 } from './metadata';
import * as z from './zod';

export const PURGE_TRIGGERS = ['ami-available', 'schedule', 'manual'] as const;

/** Why an expired Deploy AMI was kept (DESIGN §6). */
export const PURGE_SKIP_REASONS = [
  'keep-latest',
  'in-use-by-instance',
  'in-use-by-launch-template',
  'in-use-by-ssm-parameter',
  'in-use-by-image-recipe',
  'shared-with-other-accounts',
  'aws-backup-managed',
  'deregistration-protection',
  'retention-tag',
  'deletion-cap',
] as const;
export type PurgeSkipReason = (typeof PURGE_SKIP_REASONS)[number];

/** `DeregisterImage` with `DeleteAssociatedSnapshots` reports one of these per snapshot. */
export const SNAPSHOT_DELETE_RESULTS = [
  'success',
  'skipped',
  'missing-permissions',
  'internal-error',
  'client-error',
] as const;

/**
 * The snapshot results that mean EC2 did not delete it: `skipped` is no failure (EC2 keeps a
 * snapshot another image still uses).
 */
export function isFailedSnapshotDeletion(result: string | undefined): boolean {
  return result !== undefined && result !== 'success' && result !== 'skipped';
}

const imageRef = {
  imageId: imageIdSchema,
  imageName: z.optional(imageNameSchema),
  instanceName: instanceNameSchema,
};

export const AmiPurgedV1 = defineEvent({
  detailType: 'AmiPurged',
  version: 1,
  sources: [SOURCES.janitor],
  description:
    'One part of a purge run: the Deploy AMIs deregistered with their snapshots (or, in a dry run, those that would be), those kept and why, and those that failed.',
  detail: z.object({
    metadata: metadataV1,
    data: z.object({
      runId: requestIdSchema,
      trigger: z.enum(PURGE_TRIGGERS),
      /** The instance name the run was limited to; absent for a sweep over every name. */
      instanceName: z.optional(instanceNameSchema),
      dryRun: z.boolean(),
      retentionDays: z.number().check(z.int(), z.nonnegative()),
      keepLatest: z.number().check(z.int(), z.nonnegative()),
      /** A run too large for one invocation continues in the next; each part publishes once. */
      part: z.number().check(z.int(), z.positive()),
      final: z.boolean(),
      purged: z.array(
        z.object({
          ...imageRef,
          createdAt: timestampSchema,
          ageDays: z.number().check(z.nonnegative()),
          snapshots: z.array(
            z.object({
              snapshotId: snapshotIdSchema,
              /** Absent in a dry run. */
              result: z.optional(z.enum(SNAPSHOT_DELETE_RESULTS)),
            }),
          ),
        }),
      ),
      skipped: z.array(
        z.object({
          ...imageRef,
          reason: z.enum(PURGE_SKIP_REASONS),
          /** E.g. the instance or launch template that uses the image. */
          detail: z.optional(z.string()),
        }),
      ),
      failed: z.array(
        z.object({
          ...imageRef,
          code: z.string(),
          message: z.string(),
        }),
      ),
      capReached: z.boolean(),
    }),
  }),
  examples: [
    {
      metadata: {
        schemaVersion: 1,
        requestId: '01JDEPLOY0000000000000001',
        occurredAt: '2025-06-05T12:04:10.000Z',
      },
      data: {
        runId: '01JDEPLOY0000000000000001',
        trigger: 'ami-available',
        instanceName: 'service-api',
        dryRun: false,
        retentionDays: 14,
        keepLatest: 1,
        part: 1,
        final: true,
        purged: [
          {
            imageId: 'ami-0aaaaaaaaaaaaaaa1',
            imageName: 'service-api-Deploy-2025-05-01_09_30',
            instanceName: 'service-api',
            createdAt: '2025-05-01T09:30:12.000Z',
            ageDays: 35.1,
            snapshots: [{ snapshotId: 'snap-0aaaaaaaaaaaaaaa1', result: 'success' }],
          },
        ],
        skipped: [
          {
            imageId: 'ami-0aaaaaaaaaaaaaaa2',
            imageName: 'service-api-Deploy-2025-05-10_10_00',
            instanceName: 'service-api',
            reason: 'in-use-by-instance',
            detail: 'i-0123456789abcdef1',
          },
        ],
        failed: [],
        capReached: false,
      },
    },
    {
      metadata: {
        schemaVersion: 1,
        requestId: 'sweep-2025-06-06',
        occurredAt: '2025-06-06T03:00:04.000Z',
      },
      data: {
        runId: 'sweep-2025-06-06',
        trigger: 'schedule',
        dryRun: true,
        retentionDays: 14,
        keepLatest: 1,
        part: 1,
        final: true,
        purged: [
          {
            imageId: 'ami-0bbbbbbbbbbbbbbb1',
            imageName: 'service-worker-Deploy-2025-05-02_08_00',
            instanceName: 'service-worker',
            createdAt: '2025-05-02T08:00:40.000Z',
            ageDays: 34.8,
            snapshots: [{ snapshotId: 'snap-0bbbbbbbbbbbbbbb1' }],
          },
        ],
        skipped: [],
        failed: [],
        capReached: false,
      },
    },
  ],
});

export type AmiPurgedV1Detail = z.output<typeof AmiPurgedV1.detail>;
