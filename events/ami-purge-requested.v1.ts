import { defineEvent } from './contract';
import { instanceNameSchema } from './fields';
import { inputMetadataV1 } from './metadata';
import * as z from './zod';

/**
 * Asks the janitor for a purge run: on demand by an operator (`dryRun` to preview), and by the
 * janitor itself to continue a run that did not fit in one invocation (`continuation`).
 */
export const AmiPurgeRequestedV1 = defineEvent({
  detailType: 'AmiPurgeRequested',
  version: 1,
  sources: 'any',
  description:
    'Run the janitor now, for one instance name or all, optionally as a dry run; also carries a run that continues in a next invocation.',
  detail: z.object({
    metadata: inputMetadataV1,
    data: z.object({
      /** Limit the run to one instance name; absent means every name. */
      instanceName: z.optional(instanceNameSchema),
      /** Report without deleting. Absent means the janitor's DRY_RUN setting. */
      dryRun: z.optional(z.boolean()),
      continuation: z.optional(
        z.object({
          trigger: z.enum(['ami-available', 'schedule', 'manual']),
          /** The first part number this invocation publishes (a split report uses several). */
          part: z.number().check(z.int(), z.gte(2)),
          /** Deletions already made in this run, so the per-run cap holds across parts. */
          purgedSoFar: z.number().check(z.int(), z.nonnegative()),
          /** Opaque position in the run's ordered candidate list. */
          cursor: z.string().check(z.maxLength(4096)),
          /** The clock reading the run started with, so every part judges age the same way. */
          startedAt: z.iso.datetime({ offset: false }),
        }),
      ),
    }),
  }),
  examples: [
    {
      metadata: { schemaVersion: 1, requestId: 'manual-dry-run-1' },
      data: { instanceName: 'service-api', dryRun: true },
    },
    {
      metadata: { schemaVersion: 1, requestId: 'manual-sweep-1' },
      data: {},
    },
    {
      metadata: {
        schemaVersion: 1,
        requestId: 'sweep-2025-06-06',
        occurredAt: '2025-06-06T03:14:30.000Z',
      },
      data: {
        continuation: {
          trigger: 'schedule',
          part: 2,
          purgedSoFar: 180,
          cursor: 'service-api|2025-05-01T09:30:12.000Z|ami-0aaaaaaaaaaaaaaa1',
          startedAt: '2025-06-06T03:00:00.000Z',
        },
      },
    },
  ],
});

export type AmiPurgeRequestedV1Detail = z.output<typeof AmiPurgeRequestedV1.detail>;
