import * as z from '../../events/zod';
import { env, parseConfig } from '../shared/config';
import { isKnownTimeZone } from '../shared/time-zone';

/** Step Functions state machine ARN; the creator derives execution ARNs from it. */
const STATE_MACHINE_ARN = /^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;

export const creatorConfigSchema = z.object({
  EVENT_BUS_NAME: env.required(),
  /** The request ledger's DynamoDB table. */
  LEDGER_TABLE_NAME: env.required(),
  STATE_MACHINE_ARN: env
    .required()
    .check(z.regex(STATE_MACHINE_ARN, { error: 'must be a Step Functions state machine ARN' })),
  /** The state machine that publishes each failed name's AmiFailed. */
  ANNOUNCER_STATE_MACHINE_ARN: env
    .required()
    .check(z.regex(STATE_MACHINE_ARN, { error: 'must be a Step Functions state machine ARN' })),
  /** AMI names carry the local time of this IANA zone. */
  TIME_ZONE: z._default(
    z.string().check(
      z.refine(isKnownTimeZone, {
        error: 'must be an IANA time zone such as UTC or Asia/Seoul',
      }),
    ),
    'UTC',
  ),
  NO_REBOOT: env.boolean(true),
  /** Whether a request may ask for a reboot (`options.noReboot: false`) that NO_REBOOT does not make. */
  ALLOW_REBOOT: env.boolean(false),
  CREATE_CONCURRENCY: env.integer(4, { min: 1, max: 20 }),
  /** Minutes a new AMI may stay pending before the watcher ends it with `timed-out` (max 7 days). */
  WAIT_DEADLINE_MINUTES: env.integer(360, { min: 1, max: 7 * 24 * 60 }),
});

export interface CreatorConfig {
  readonly eventBusName: string;
  readonly ledgerTableName: string;
  readonly stateMachineArn: string;
  readonly announcerArn: string;
  readonly timeZone: string;
  readonly noReboot: boolean;
  readonly allowReboot: boolean;
  readonly createConcurrency: number;
  readonly waitDeadlineMinutes: number;
}

/** Reads the creator's environment; throws `ConfigurationError` naming each bad variable. */
export function loadCreatorConfig(
  environment: Record<string, string | undefined> = process.env,
): CreatorConfig {
  const parsed = parseConfig('creator', creatorConfigSchema, environment);
  return {
    eventBusName: parsed.EVENT_BUS_NAME,
    ledgerTableName: parsed.LEDGER_TABLE_NAME,
    stateMachineArn: parsed.STATE_MACHINE_ARN,
    announcerArn: parsed.ANNOUNCER_STATE_MACHINE_ARN,
    timeZone: parsed.TIME_ZONE,
    noReboot: parsed.NO_REBOOT,
    allowReboot: parsed.ALLOW_REBOOT,
    createConcurrency: parsed.CREATE_CONCURRENCY,
    waitDeadlineMinutes: parsed.WAIT_DEADLINE_MINUTES,
  };
}
