import { defineEvent } from './contract';
import { instanceNameSchema } from './fields';
import { inputMetadataV1 } from './metadata';
import * as z from './zod';

/**
 * Asks the janitor for a purge run, for one instance name or all, optionally as a dry run. It can
 * only narrow a run: retention, keep-latest, the cap and the run's clock come from the janitor's
 * configuration and the run's own state, never from an event.
 */
export const AmiPurgeRequestedV1 = defineEvent({
  detailType: 'AmiPurgeRequested',
  version: 1,
  sources: 'any',
  description:
    'Run the janitor now, for one instance name or all; dryRun: true previews the run without deleting.',
  detail: z.object({
    metadata: inputMetadataV1,
    data: z.object({
      /** Limit the run to one instance name; absent means every name. */
      instanceName: z.optional(instanceNameSchema),
      /** `true` reports without deleting; `false` or absent follows the janitor's DRY_RUN. */
      dryRun: z.optional(z.boolean()),
      /**
       * Runs once carried their state in events; they no longer do, and an event that still tries
       * is refused rather than quietly run with different limits.
       */
      continuation: z.optional(
        z.never({ error: 'is not accepted: a purge run keeps its own state' }),
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
  ],
});

export type AmiPurgeRequestedV1Detail = z.output<typeof AmiPurgeRequestedV1.detail>;
