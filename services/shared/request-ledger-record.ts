import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { AMI_FAILURE_REASONS } from '../../events/ami-failed.v1';
import {
  imageIdSchema,
  imageNameSchema,
  instanceIdSchema,
  instanceNameSchema,
  requestIdSchema,
  timestampSchema,
} from '../../events/fields';
import { describeIssues } from '../../events/issues';
import * as z from '../../events/zod';
import { NAME_STATES, TERMINAL_NAME_STATES } from '../api/request-status';

/**
 * Attribute names of the request ledger: one item per (request id, instance name). The watcher's
 * state machine writes the same attributes through Step Functions' DynamoDB integration, so they
 * are named once, here.
 */
export const LEDGER_ATTRIBUTES = {
  requestId: 'requestId',
  instanceName: 'instanceName',
  state: 'state',
  requestedAt: 'requestedAt',
  updatedAt: 'updatedAt',
  requestedBy: 'requestedBy',
  requestLabel: 'requestLabel',
  instanceId: 'instanceId',
  imageId: 'imageId',
  imageName: 'imageName',
  reason: 'reason',
  message: 'message',
  imageState: 'imageState',
  availableAt: 'availableAt',
  failedAt: 'failedAt',
  /**
   * Present once the name has a terminal state: false until its terminal event is on the bus.
   * A published terminal state never changes; an unpublished one may still be decided again by
   * the one writer of that name (the creator before an image exists, the watcher after), which is
   * how a retry that failed to publish still ends the name once.
   */
  published: 'published',
  expiresAt: 'expiresAt',
} as const;

/** The index that lists a name's requests, newest first. */
export const LEDGER_BY_INSTANCE_NAME = {
  indexName: 'byInstanceName',
  partition: LEDGER_ATTRIBUTES.instanceName,
  sort: LEDGER_ATTRIBUTES.requestedAt,
} as const;

/** Records stay readable through the status API this long after their last change. */
export const LEDGER_RETENTION_DAYS = 400;

export const ledgerRecordSchema = z.object({
  requestId: requestIdSchema,
  instanceName: instanceNameSchema,
  state: z.enum(NAME_STATES),
  requestedAt: timestampSchema,
  updatedAt: timestampSchema,
  requestedBy: z.optional(z.string()),
  requestLabel: z.optional(z.string()),
  instanceId: z.optional(instanceIdSchema),
  imageId: z.optional(imageIdSchema),
  imageName: z.optional(imageNameSchema),
  reason: z.optional(z.enum(AMI_FAILURE_REASONS)),
  message: z.optional(z.string()),
  imageState: z.optional(z.string()),
  availableAt: z.optional(timestampSchema),
  failedAt: z.optional(timestampSchema),
  published: z.optional(z.boolean()),
});
export type LedgerRecord = z.infer<typeof ledgerRecordSchema>;

export function isTerminal(record: Pick<LedgerRecord, 'state'>): boolean {
  return (TERMINAL_NAME_STATES as readonly string[]).includes(record.state);
}

/** Ended for good: its terminal event is on the bus. */
export function hasEnded(record: Pick<LedgerRecord, 'state' | 'published'>): boolean {
  return isTerminal(record) && record.published === true;
}

export class LedgerRecordError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LedgerRecordError';
  }
}

/** A DynamoDB item of the ledger, read back; strings, booleans and the TTL number only. */
export function parseLedgerItem(item: Record<string, AttributeValue>): LedgerRecord {
  const plain: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) {
    if (name === LEDGER_ATTRIBUTES.expiresAt) continue;
    if (value.S !== undefined) plain[name] = value.S;
    else if (value.BOOL !== undefined) plain[name] = value.BOOL;
  }
  const parsed = ledgerRecordSchema.safeParse(plain);
  if (!parsed.success) {
    throw new LedgerRecordError(
      `the ledger item ${String(plain.requestId)}/${String(plain.instanceName)} is not a ledger record: ${describeIssues(parsed.error)}`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
}
