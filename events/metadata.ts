import { requestIdSchema, timestampSchema } from './fields';
import * as z from './zod';

/** Metadata of events this system publishes. */
export const metadataV1 = z.object({
  schemaVersion: z.literal(1),
  requestId: requestIdSchema,
  occurredAt: timestampSchema,
});

/** Metadata of public input: outside systems may leave out `occurredAt`. */
export const inputMetadataV1 = z.object({
  schemaVersion: z.literal(1),
  requestId: requestIdSchema,
  occurredAt: z.optional(timestampSchema),
});
