import { defineEvent, SOURCES } from './contract';
import {
  imageIdSchema,
  imageNameSchema,
  instanceIdSchema,
  instanceNameSchema,
  requestIdSchema,
  snapshotIdSchema,
  timestampSchema,
} from './fields';
import { metadataV1 } from './metadata';
import * as z from './zod';

/** Public output: subscribe to this to deploy from the new image. Published by the watcher. */
export const AmiAvailableV1 = defineEvent({
  detailType: 'AmiAvailable',
  version: 1,
  sources: [SOURCES.watcher],
  description: 'A deploy AMI reached the available state and can be launched.',
  detail: z.object({
    metadata: metadataV1,
    data: z.object({
      requestId: requestIdSchema,
      instanceName: instanceNameSchema,
      instanceId: instanceIdSchema,
      imageId: imageIdSchema,
      imageName: imageNameSchema,
      snapshotIds: z.array(snapshotIdSchema),
      availableAt: timestampSchema,
    }),
  }),
  examples: [
    {
      metadata: {
        schemaVersion: 1,
        requestId: '01JDEPLOY0000000000000001',
        occurredAt: '2025-06-05T12:04:02.000Z',
      },
      data: {
        requestId: '01JDEPLOY0000000000000001',
        instanceName: 'service-api',
        instanceId: 'i-0123456789abcdef0',
        imageId: 'ami-0123456789abcdef0',
        imageName: 'service-api-Deploy-2025-06-05_12_00',
        snapshotIds: ['snap-0123456789abcdef0'],
        availableAt: '2025-06-05T12:04:02.000Z',
      },
    },
  ],
});

export type AmiAvailableV1Detail = z.output<typeof AmiAvailableV1.detail>;
