import { AMI_FAILURE_REASONS } from '../../events/ami-failed.v1';
import {
  imageIdSchema,
  imageNameSchema,
  instanceIdSchema,
  instanceNameSchema,
  requestIdSchema,
  timestampSchema,
} from '../../events/fields';
import * as z from '../../events/zod';

/**
 * Where one requested name is: `requested` (accepted by the API), `creating` (the creator is making
 * its AMI), `pending` (the AMI exists and the watcher waits for it), then `available` or `failed`,
 * the two terminal states, each announced by exactly one terminal event.
 */
export const NAME_STATES = ['requested', 'creating', 'pending', 'available', 'failed'] as const;
export type NameState = (typeof NAME_STATES)[number];
export const TERMINAL_NAME_STATES = ['available', 'failed'] as const satisfies readonly NameState[];

/** One requested name, as `GET /requests/{requestId}` and `GET /requests` answer it. */
export const nameStatusSchema = z.object({
  instanceName: instanceNameSchema,
  state: z.enum(NAME_STATES),
  instanceId: z.optional(instanceIdSchema),
  imageId: z.optional(imageIdSchema),
  imageName: z.optional(imageNameSchema),
  /** Set when `state` is `failed`. */
  reason: z.optional(z.enum(AMI_FAILURE_REASONS)),
  message: z.optional(z.string()),
  requestedAt: timestampSchema,
  updatedAt: timestampSchema,
  availableAt: z.optional(timestampSchema),
  failedAt: z.optional(timestampSchema),
});
export type NameStatus = z.infer<typeof nameStatusSchema>;

/**
 * A request as the status API answers it. `state` sums up its names: `available` when every name
 * is, `failed` when every name has ended and one failed, else the earliest state among its names.
 */
export const requestStatusSchema = z.object({
  requestId: requestIdSchema,
  state: z.enum(NAME_STATES),
  /** The authenticated caller (IAM ARN or `api-key:<id>`), absent on an open endpoint. */
  requestedBy: z.optional(z.string()),
  /** Free text the caller supplied; never taken as the caller. */
  requestLabel: z.optional(z.string()),
  requestedAt: timestampSchema,
  names: z.array(nameStatusSchema),
});
export type RequestStatus = z.infer<typeof requestStatusSchema>;

/** `GET /requests?instanceName=NAME&limit=N`: the latest requests of a name, newest first. */
export const requestListSchema = z.object({ requests: z.array(requestStatusSchema) });
export type RequestList = z.infer<typeof requestListSchema>;

/**
 * The body of every error answer of the API (400, 404, 405, 413, 5xx): a message, and for a 4xx
 * the fields at fault.
 */
export const errorBodySchema = z.looseObject({
  message: z.string(),
  errors: z.optional(z.array(z.object({ field: z.string(), message: z.string() }))),
});
