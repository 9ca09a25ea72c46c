import { defineEvent } from './contract';
import { instanceNameListSchema } from './fields';
import { inputMetadataV1 } from './metadata';
import * as z from './zod';

/** Public input: the API and any other system (the bus policy decides who) ask for deploy AMIs. */
export const AmiRequestedV1 = defineEvent({
  detailType: 'AmiRequested',
  version: 1,
  sources: 'any',
  description:
    'Create one deploy AMI per instance name, each from the oldest running instance with that Name tag.',
  detail: z.object({
    metadata: inputMetadataV1,
    data: z.object({
      instanceNames: instanceNameListSchema,
      /**
       * Who asked. The API sets the authenticated caller (IAM ARN, or `api-key:<id>`) and never
       * lets a client choose it; another system on the bus names itself or its user.
       */
      requestedBy: z.optional(z.string().check(z.maxLength(256))),
      /** Free text the requester chose, e.g. a pipeline run or ticket; unverified, for humans. */
      requestLabel: z.optional(z.string().check(z.maxLength(256))),
      options: z.optional(
        z.object({
          /** Overrides the creator's NO_REBOOT setting for this request. */
          noReboot: z.optional(z.boolean()),
        }),
      ),
    }),
  }),
  examples: [
    {
      metadata: { schemaVersion: 1, requestId: '01JDEPLOY0000000000000001' },
      data: { instanceNames: ['service-api', 'service-worker'] },
    },
    {
      metadata: {
        schemaVersion: 1,
        requestId: 'release-2025-06-05-1',
        occurredAt: '2025-06-05T12:00:00.000Z',
      },
      data: {
        instanceNames: ['service-api'],
        requestedBy: 'ci/release-pipeline',
        requestLabel: 'release 2025-06-05 #1',
        options: { noReboot: false },
      },
    },
  ],
});

export type AmiRequestedV1Detail = z.output<typeof AmiRequestedV1.detail>;
