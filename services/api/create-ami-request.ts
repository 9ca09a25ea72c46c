import { instanceNameListSchema, requestIdSchema } from '../../events/fields';
import { formatPath } from '../../events/issues';
import * as z from '../../events/zod';
import { type FieldError, InvalidRequestError } from './http-errors';

/**
 * The body of `POST /create-ami`. Names reuse the AmiRequested contract's schema, so the API can
 * never accept what the event refuses. Unknown fields are refused: a typo such as
 * `instance_names` must not turn into a silently ignored option.
 */
export const createAmiRequestSchema = z.strictObject({
  instance_name_list: instanceNameListSchema,
  /** Client-chosen idempotency key; retrying with it creates no second AMI. */
  request_id: z.optional(requestIdSchema),
  /**
   * Free text for audit trails (kept under this name for existing clients). It becomes the
   * event's `requestLabel`; `requestedBy` is always the authenticated caller.
   */
  requested_by: z.optional(z.string().check(z.maxLength(256))),
  /** Overrides the creator's NO_REBOOT setting for this request. */
  no_reboot: z.optional(z.boolean()),
});

export type CreateAmiRequest = z.output<typeof createAmiRequestSchema>;

/** Parses a JSON-decoded body; throws `InvalidRequestError` naming every offending field. */
export function parseCreateAmiRequest(body: unknown): CreateAmiRequest {
  const result = createAmiRequestSchema.safeParse(body, { reportInput: true });
  if (result.success) return result.data;
  throw new InvalidRequestError(result.error.issues.flatMap(toFieldErrors), {
    cause: result.error,
  });
}

function toFieldErrors(issue: z.core.$ZodIssue): FieldError[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ field: key, message: 'is not a known field' }));
  }
  if (issue.path.length === 0) return [{ field: 'body', message: 'must be a JSON object' }];
  // With reportInput, only an absent field has no input (JSON has no undefined).
  const message =
    issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
  return [{ field: formatPath(issue.path), message }];
}
