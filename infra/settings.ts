import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describeIssues } from '../events/issues';
import * as z from '../events/zod';
import { MAX_NOTIFICATION_RETRY_HOURS } from '../services/notifier/config';
import { DEFAULT_WEBHOOK_FORMAT, WEBHOOK_FORMATS } from '../services/notifier/webhook-target';
import { isKnownTimeZone } from '../services/shared/time-zone';

/**
 * Deployment settings. Each comes from CDK context (`-c retentionDays=30`, or `context` in
 * cdk.json) or from a JSON file named by the `settingsFile` context value; context wins over the
 * file. Context given on the command line arrives as strings, so numbers, booleans and lists are
 * also accepted in their string forms (`true`, `30`, `111122223333,444455556666`).
 */
export class SettingsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SettingsError';
  }
}

const fromString = <T extends z.ZodMiniType>(parse: (value: string) => unknown, schema: T) =>
  z.pipe(
    z.transform((value: unknown) => (typeof value === 'string' ? parse(value.trim()) : value)),
    schema,
  );

const integer = (fallback: number, min: number, max: number) =>
  z._default(
    fromString(
      (value) => (/^-?\d+$/.test(value) ? Number(value) : value),
      z
        .number({ error: 'must be a whole number' })
        .check(
          z.int({ error: 'must be a whole number' }),
          z.gte(min, { error: `must be at least ${min}` }),
          z.lte(max, { error: `must be at most ${max}` }),
        ),
    ),
    fallback,
  );

const decimal = (fallback: number, min: number, max: number) =>
  z._default(
    fromString(
      (value) => (/^\d+(\.\d+)?$/.test(value) ? Number(value) : value),
      z
        .number({ error: 'must be a number' })
        .check(
          z.gt(min, { error: `must be greater than ${min}` }),
          z.lte(max, { error: `must be at most ${max}` }),
        ),
    ),
    fallback,
  );

const boolean = (fallback: boolean) =>
  z._default(
    fromString(
      (value) => ({ true: true, false: false })[value] ?? value,
      z.boolean({ error: 'must be true or false' }),
    ),
    fallback,
  );

/** A JSON array, a comma-separated string or nothing. */
const list = <T extends z.ZodMiniType>(item: T) =>
  z._default(
    fromString(
      (value) =>
        value.startsWith('[')
          ? parseJsonOr(value)
          : value
              .split(',')
              .map((part) => part.trim())
              .filter((part) => part !== ''),
      z.array(item, { error: 'must be a list' }),
    ),
    [],
  );

function parseJsonOr(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

const accountId = z.string().check(z.regex(/^\d{12}$/, { error: 'must be a 12-digit account id' }));

/** The retention periods CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

export const API_AUTHORIZATION_MODES = ['iam', 'api-key', 'none'] as const;

export const settingsSchema = z.object({
  /** Deploy AMIs younger than this are never purged. */
  retentionDays: integer(14, 1, 3650),
  /** The newest N deploy AMIs of each instance name are always kept. */
  keepLatest: integer(1, 1, 100),
  /** The janitor reports what it would delete, and deletes nothing. */
  dryRun: boolean(false),
  /** Upper bound of deletions in one purge run, however many images are expired. */
  maxDeletionsPerRun: integer(50, 1, 10_000),
  /** DeregisterImage calls per second; EC2's bucket for it refills 5 per second. */
  deregisterRatePerSecond: decimal(5, 0, 100),
  /** Launch template versions, newest first, whose AMI counts as in use (EC2 checks ≤ 10,000). */
  launchTemplateVersionDepth: integer(10_000, 1, 10_000),
  /** Purge AMIs shared with other accounts too (by default they are kept). */
  purgeSharedImages: boolean(false),
  /** SSM parameters naming AMIs live under this path; the janitor may read only these. */
  ssmParameterPrefix: z._default(
    z
      .string()
      .check(
        z.regex(/^\/[A-Za-z0-9_./-]*$/, { error: 'must be a parameter path starting with /' }),
      ),
    '/',
  ),
  /**
   * On AmiAvailable, `<prefix>/<instance name>/latest` (data type `aws:ec2:image`) is set to the
   * new AMI, for `resolve:ssm:` in launch templates. The watcher may write only under it.
   */
  latestAmiParameterPrefix: z._default(
    z.string().check(
      z.regex(/^(\/[A-Za-z0-9_.-]+)+$/, {
        error: 'must be a parameter path such as /ami-lifecycle (no trailing slash)',
      }),
    ),
    '/ami-lifecycle',
  ),
  /** When the daily sweep runs, as an EventBridge schedule expression (UTC). */
  janitorSchedule: z._default(
    z.string().check(
      z.regex(/^(cron\(.+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/, {
        error: 'must be an EventBridge schedule expression such as cron(0 3 * * ? *)',
      }),
    ),
    'cron(0 3 * * ? *)',
  ),
  /** Seconds between two checks of a pending AMI (the seed polled every 60 s). */
  pollIntervalSeconds: integer(60, 1, 3600),
  /** A pending AMI not available after this long ends with AmiFailed `timed-out`. */
  waitDeadlineMinutes: integer(360, 1, 7 * 24 * 60),
  /** How many AMIs of one request the watcher checks at once. */
  watcherConcurrency: integer(10, 1, 40),
  /** AMI names carry the local time of this IANA time zone. */
  timeZone: z._default(
    z
      .string()
      .check(
        z.refine(isKnownTimeZone, { error: 'must be an IANA time zone such as UTC or Asia/Seoul' }),
      ),
    'UTC',
  ),
  /** CreateImage without rebooting the instance (a reboot gives a consistent file system). */
  noReboot: boolean(true),
  /**
   * Whether a request may ask for a reboot (`options.noReboot: false`). Off, such a request ends
   * every name with AmiFailed `reboot-not-allowed`: any permitted publisher could otherwise
   * reboot production instances.
   */
  allowReboot: boolean(false),
  /** CreateImage calls in flight at once for one request. */
  createConcurrency: integer(4, 1, 20),
  /**
   * Name of an existing Secrets Manager secret holding the webhook targets (a JSON array of
   * `{url, format, secret?, events?}`). Absent: the stack creates an empty one (`[]`) to fill in.
   */
  webhookSecretName: z.optional(
    z
      .string()
      .check(
        z.regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, { error: 'must be a Secrets Manager secret name' }),
      ),
  ),
  /** The format of webhook targets in the secret that name none (jandi, as the seed). */
  webhookFormat: z._default(
    z.enum(WEBHOOK_FORMATS, { error: `must be one of ${WEBHOOK_FORMATS.join(', ')}` }),
    DEFAULT_WEBHOOK_FORMAT,
  ),
  /** Per-request timeout and total retry budget of one webhook delivery. */
  webhookTimeoutMs: integer(5_000, 100, 60_000),
  webhookRetryBudgetMs: integer(20_000, 0, 600_000),
  /**
   * Hours a notification whose webhook keeps failing is retried (with backoff, in the notifier's
   * queue) before it goes to the dead-letter queue; at most a week.
   */
  notificationRetryHours: integer(24, 1, MAX_NOTIFICATION_RETRY_HOURS),
  /** `iam` (SigV4, the default), `api-key` (usage plan) or `none` (open: only when you mean it). */
  apiAuthorization: z._default(
    z.enum(API_AUTHORIZATION_MODES, { error: 'must be one of iam, api-key, none' }),
    'iam',
  ),
  /** Steady-state requests per second and burst of POST /create-ami. */
  apiRateLimit: integer(5, 1, 10_000),
  apiBurstLimit: integer(10, 1, 5_000),
  /**
   * Creates API Gateway's account-wide CloudWatch role, which access logs need. Set false when
   * the account already has one (it is one setting per account and Region).
   */
  apiGatewayCloudWatchRole: boolean(true),
  /** Other accounts allowed to put AmiRequested on the bus (this account always may). */
  publisherAccounts: list(accountId),
  /** An AWS Organizations id whose accounts may put AmiRequested on the bus. */
  publisherOrganizationId: z.optional(
    z.string().check(z.regex(/^o-[a-z0-9]{10,32}$/, { error: 'must be an organization id (o-…)' })),
  ),
  /** Accounts allowed to create rules on the bus for AmiAvailable. */
  subscriberAccounts: list(accountId),
  /** An SNS topic that receives every alarm; absent, alarms only show in CloudWatch. */
  alarmTopicArn: z.optional(
    z
      .string()
      .check(
        z.regex(/^arn:[a-z-]+:sns:[a-z0-9-]+:\d{12}:.+$/, { error: 'must be an SNS topic ARN' }),
      ),
  ),
  /** Days that function, state machine, API and archive logs are kept. */
  logRetentionDays: z._default(
    fromString(
      (value) => (/^\d+$/.test(value) ? Number(value) : value),
      z.literal(LOG_RETENTION_DAYS, { error: `must be one of ${LOG_RETENTION_DAYS.join(', ')}` }),
    ),
    30,
  ),
  /** Days the bus archive keeps events for replay. */
  archiveRetentionDays: integer(30, 1, 3650),
});

export type Settings = z.output<typeof settingsSchema>;
export const SETTING_NAMES = Object.keys(settingsSchema.shape) as (keyof Settings)[];

/** Context key naming a JSON file with settings, relative to the working directory. */
export const SETTINGS_FILE_CONTEXT_KEY = 'settingsFile';

/** Parses settings; throws `SettingsError` naming every bad value and every unknown name. */
export function parseSettings(raw: Record<string, unknown>): Settings {
  const unknown = Object.keys(raw).filter((name) => !(SETTING_NAMES as string[]).includes(name));
  if (unknown.length > 0) {
    throw new SettingsError(
      `ami-lifecycle settings: unknown setting ${unknown.join(', ')} (known: ${SETTING_NAMES.join(', ')})`,
    );
  }
  const result = settingsSchema.safeParse(raw);
  if (!result.success) {
    throw new SettingsError(`ami-lifecycle settings: ${describeIssues(result.error)}`);
  }
  const checks = Math.ceil(
    (result.data.waitDeadlineMinutes * 60) / result.data.pollIntervalSeconds,
  );
  if (checks > MAX_CHECKS_PER_AMI) {
    throw new SettingsError(
      `ami-lifecycle settings: waitDeadlineMinutes ÷ pollIntervalSeconds allows ${checks} checks of one AMI; at most ${MAX_CHECKS_PER_AMI} fit in a Step Functions execution's 25,000-event history (raise pollIntervalSeconds or lower waitDeadlineMinutes)`,
    );
  }
  return result.data;
}

/**
 * A check writes about 12 history events: the callback wait (entered, scheduled, started,
 * submitted, timed out), DescribeImage (entered, scheduled, started, succeeded, exited) and the
 * Choice (entered, exited). 1,800 checks stay under Step Functions' 25,000 events with room for
 * retries and the outcome.
 */
export const MAX_CHECKS_PER_AMI = 1_800;

/**
 * Collects settings from the file named by `settingsFile` (if any) and from context values whose
 * names are settings; other context keys (CDK's own) are ignored.
 */
export function loadSettings(tryGetContext: (key: string) => unknown): Settings {
  const raw: Record<string, unknown> = {};
  const file = tryGetContext(SETTINGS_FILE_CONTEXT_KEY);
  if (file !== undefined) {
    if (typeof file !== 'string')
      throw new SettingsError(`${SETTINGS_FILE_CONTEXT_KEY}: must be a path`);
    Object.assign(raw, readSettingsFile(file));
  }
  for (const name of SETTING_NAMES) {
    const value = tryGetContext(name);
    if (value !== undefined) raw[name] = value;
  }
  return parseSettings(raw);
}

function readSettingsFile(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(resolve(path), 'utf8'));
  } catch (error) {
    throw new SettingsError(`${SETTINGS_FILE_CONTEXT_KEY} ${path}: not a readable JSON file`, {
      cause: error,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SettingsError(`${SETTINGS_FILE_CONTEXT_KEY} ${path}: must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}
