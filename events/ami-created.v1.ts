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

/** The creator called CreateImage (or found the image an earlier delivery created). */
export const AmiCreatedV1 = defineEvent({
  detailType: 'AmiCreated',
  version: 1,
  sources: [SOURCES.creator],
  description: 'An AMI was started from the oldest running instance of a name; it is pending.',
  detail: z.object({
    metadata: metadataV1,
    data: z.object({
      requestId: requestIdSchema,
      instanceName: instanceNameSchema,
      instanceId: instanceIdSchema,
      imageId: imageIdSchema,
      imageName: imageNameSchema,
      noReboot: z.boolean(),
      createdAt: timestampSchema,
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
        instanceName: 'service-api',
        instanceId: 'i-0123456789abcdef0',
        imageId: 'ami-0123456789abcdef0',
        imageName: 'service-api-Deploy-2025-06-05_12_00',
        noReboot: true,
        createdAt: '2025-06-05T12:00:01.000Z',
      },
    },
  ],
});

export type AmiCreatedV1Detail = z.output<typeof AmiCreatedV1.detail>;
