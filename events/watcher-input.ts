import {
  imageIdSchema,
  imageNameSchema,
  instanceIdSchema,
  instanceNameSchema,
  requestIdSchema,
  timestampSchema,
} from './fields';
import * as z from './zod';

/** A deploy AMI as the creator made it: what `AmiAvailable` and `AmiFailed` say about it. */
export const createdImageSchema = z.object({
  requestId: requestIdSchema,
  instanceName: instanceNameSchema,
  instanceId: instanceIdSchema,
  imageId: imageIdSchema,
  imageName: imageNameSchema,
});

/**
 * Input of one watcher (state machine) execution, started by the creator: the AMIs one request
 * created. The state machine maps over `images`; each item carries what `AmiAvailable` and
 * `AmiFailed` need, so the state machine publishes them without calling a function.
 *
 * `deadlineAt` (ISO-8601 UTC) is when a still pending AMI ends with `AmiFailed` `timed-out`. It is
 * a point in time rather than a number of checks because the state machine compares it with the
 * time of each check in its Choice state: counting checks would cost a state transition per check.
 */
export const watcherImageSchema = z.extend(createdImageSchema, {
  deadlineAt: timestampSchema,
});

export const watcherInputSchema = z.object({
  requestId: requestIdSchema,
  images: z.array(watcherImageSchema).check(z.minLength(1)),
});

export type CreatedImage = z.output<typeof createdImageSchema>;
export type WatcherImage = z.output<typeof watcherImageSchema>;
export type WatcherInput = z.output<typeof watcherInputSchema>;
