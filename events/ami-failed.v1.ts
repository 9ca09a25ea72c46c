import { defineEvent, SOURCES } from './contract';
import {
  imageIdSchema,
  imageNameSchema,
  instanceIdSchema,
  instanceNameSchema,
  requestIdSchema,
  timestampSchema,
} from './fields';
import { metadataV1 } from './metadata';
import * as z from './zod';

/**
 * Why a requested name did not end with an available AMI:
 * - `instance-not-found`: no running instance has that Name tag (creator);
 * - `create-failed`: CreateImage was refused (creator);
 * - `reboot-not-allowed`: the request asked to reboot the instance, and the deployment does not
 *   let requests do that (creator);
 * - `image-failed`: the AMI entered `failed`, `error`, `invalid` or `deregistered` (watcher);
 * - `image-missing`: the AMI no longer exists (watcher);
 * - `timed-out`: the AMI was still pending at the wait deadline (watcher).
 */
export const AMI_FAILURE_REASONS = [
  'instance-not-found',
  'create-failed',
  'reboot-not-allowed',
  'image-failed',
  'image-missing',
  'watcher-error', // the watcher could not end the AMI otherwise, e.g. its outcome was refused
  'timed-out',
] as const;
export type AmiFailureReason = (typeof AMI_FAILURE_REASONS)[number];

export const AmiFailedV1 = defineEvent({
  detailType: 'AmiFailed',
  version: 1,
  sources: [SOURCES.creator, SOURCES.watcher],
  description: 'A requested instance name will not get an available AMI; `reason` says why.',
  detail: z.object({
    metadata: metadataV1,
    data: z.object({
      requestId: requestIdSchema,
      instanceName: instanceNameSchema,
      reason: z.enum(AMI_FAILURE_REASONS),
      /** Human-readable cause, e.g. EC2's error code and message or the image's StateReason. */
      message: z.string(),
      instanceId: z.optional(instanceIdSchema),
      imageId: z.optional(imageIdSchema),
      imageName: z.optional(imageNameSchema),
      /** The AMI state last seen, where there was an AMI. */
      imageState: z.optional(z.string()),
      failedAt: timestampSchema,
    }),
  }),
  examples: [
    {
      metadata: {
        schemaVersion: 1,
        requestId: '01JDEPLOY0000000000000001',
        occurredAt: '2025-06-05T12:00:01.000Z',
      },
      data: {
        requestId: '01JDEPLOY0000000000000001',
        instanceName: 'service-worker',
        reason: 'instance-not-found',
        message: 'No running instance has the Name tag "service-worker".',
        failedAt: '2025-06-05T12:00:01.000Z',
      },
    },
    {
      metadata: {
        schemaVersion: 1,
        requestId: '01JDEPLOY0000000000000001',
        occurredAt: '2025-06-05T12:06:02.000Z',
      },
      data: {
        requestId: '01JDEPLOY0000000000000001',
        instanceName: 'service-api',
        reason: 'image-failed',
        message: 'Server.InternalError: Internal error',
        instanceId: 'i-0123456789abcdef0',
        imageId: 'ami-0123456789abcdef0',
        imageName: 'service-api-Deploy-2025-06-05_12_00',
        imageState: 'failed',
        failedAt: '2025-06-05T12:06:02.000Z',
      },
    },
    {
      metadata: {
        schemaVersion: 1,
        requestId: '01JDEPLOY0000000000000002',
        occurredAt: '2025-06-05T14:00:05.000Z',
      },
      data: {
        requestId: '01JDEPLOY0000000000000002',
        instanceName: 'service-api',
        reason: 'timed-out',
        message: 'The AMI was still pending at the wait deadline.',
        instanceId: 'i-0123456789abcdef0',
        imageId: 'ami-0fedcba9876543210',
        imageName: 'service-api-Deploy-2025-06-05_12_00',
        imageState: 'pending',
        failedAt: '2025-06-05T14:00:05.000Z',
      },
    },
  ],
});

export type AmiFailedV1Detail = z.output<typeof AmiFailedV1.detail>;
