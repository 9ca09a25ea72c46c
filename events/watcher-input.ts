import {
  imageIdSchema,
  imageNameSchema,
  instanceIdSchema,
  instanceNameSchema,
  requestIdSchema,
} from './fields';
import * as z from './zod';

/**
 * Input of one watcher (state machine) execution, started by the creator: the AMIs one request
 * created. The state machine maps over `images`; each item carries what `AmiAvailable` and
 * `AmiFailed` need, so the state machine publishes them without calling a function.
 */
export const watcherImageSchema = z.object({
  requestId: requestIdSchema,
  instanceName: instanceNameSchema,
  instanceId: instanceIdSchema,
  imageId: imageIdSchema,
  imageName: imageNameSchema,
});

export const watcherInputSchema = z.object({
  requestId: requestIdSchema,
  images: z.array(watcherImageSchema).check(z.minLength(1)),
});

export type WatcherImage = z.output<typeof watcherImageSchema>;
export type WatcherInput = z.output<typeof watcherInputSchema>;
