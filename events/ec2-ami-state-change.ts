import type { EventPattern } from './contract';
import { imageIdSchema } from './fields';
import * as z from './zod';

/**
 * EC2's own `EC2 AMI State Change` event, which it sends to the account's default bus, best
 * effort, when an AMI becomes available, fails or is deregistered. It is not one of our contracts
 * (no metadata, no version of ours), but it crosses into the system, so its shape is kept here with
 * the others: the watcher's wake-up rule is built from `WAKE_PATTERN`, and the local cloud's EC2
 * builds and checks the events it emits with this schema.
 */
export const EC2_AMI_STATE_CHANGE = {
  source: 'aws.ec2',
  detailType: 'EC2 AMI State Change',
} as const;

/** States EC2 reports with this event (the AWS documentation lists these four). */
export const REPORTED_AMI_STATES = ['available', 'failed', 'deregistered', 'disabled'] as const;

export const ec2AmiStateChangeDetailSchema = z.object({
  RequestId: z.optional(z.string()),
  ImageId: imageIdSchema,
  State: z.enum(REPORTED_AMI_STATES),
  /** Empty unless the state is `failed`. */
  ErrorMessage: z.optional(z.string()),
});

export type Ec2AmiStateChangeDetail = z.output<typeof ec2AmiStateChangeDetailSchema>;

/**
 * The states that end a CreateImage: the ones worth waking a waiting check for. Deregistrations
 * (the janitor makes many) would only wake nobody.
 */
export const WAKE_STATES = ['available', 'failed'] as const;

export const WAKE_PATTERN: EventPattern = {
  source: [EC2_AMI_STATE_CHANGE.source],
  'detail-type': [EC2_AMI_STATE_CHANGE.detailType],
  detail: { State: [...WAKE_STATES] },
};

/** Details as the AWS documentation shows them. */
export const EC2_AMI_STATE_CHANGE_EXAMPLES: readonly Ec2AmiStateChangeDetail[] = [
  {
    RequestId: '3fa85f64-9dcc-40a6-aa77-7ce457d5442b',
    ImageId: 'ami-0123456789abcdef0',
    State: 'available',
    ErrorMessage: '',
  },
  {
    RequestId: '3fa85f64-9dcc-40a6-aa77-7ce457d5442c',
    ImageId: 'ami-0123456789abcdef1',
    State: 'failed',
    ErrorMessage: 'Description of failure',
  },
];
