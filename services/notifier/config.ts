import * as z from '../../events/zod';
import { ConfigurationError, env, parseConfig } from '../shared/config';
import type { DeliveryPolicy } from './deliver-webhook';
import {
  DEFAULT_WEBHOOK_FORMAT,
  parseWebhookTargets,
  signingSecretSchema,
  type WebhookFormat,
  type WebhookTarget,
  webhookFormatSchema,
  webhookUrlSchema,
} from './webhook-target';

/** Where the webhook targets come from: the environment, or a Secrets Manager secret. */
export type TargetSource =
  | { readonly kind: 'environment'; readonly targets: readonly WebhookTarget[] }
  | { readonly kind: 'secret'; readonly secretArn: string; readonly defaultFormat: WebhookFormat };

export interface NotifierConfig {
  readonly targets: TargetSource;
  readonly delivery: DeliveryPolicy;
}

const TARGET_VARIABLES = ['WEBHOOK_URL', 'WEBHOOK_TARGETS', 'WEBHOOK_SECRET_ARN'] as const;

const schema = z.object({
  WEBHOOK_URL: z.optional(webhookUrlSchema),
  WEBHOOK_FORMAT: z.optional(webhookFormatSchema),
  WEBHOOK_SIGNING_SECRET: z.optional(signingSecretSchema),
  WEBHOOK_TARGETS: z.optional(z.string()),
  WEBHOOK_SECRET_ARN: z.optional(
    z.string().check(
      z.regex(/^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, {
        error: 'must be a Secrets Manager secret ARN',
      }),
    ),
  ),
  WEBHOOK_TIMEOUT_MS: env.integer(5_000, { min: 100, max: 60_000 }),
  WEBHOOK_RETRY_BUDGET_MS: env.integer(20_000, { min: 0, max: 600_000 }),
});

/**
 * Reads the notifier's environment at cold start. Exactly one of `WEBHOOK_URL`, `WEBHOOK_TARGETS`
 * and `WEBHOOK_SECRET_ARN` must be set; every problem throws a `ConfigurationError` naming the
 * variable and never the value (URLs and signing secrets are secrets).
 */
export function parseNotifierConfig(
  environment: Record<string, string | undefined> = process.env,
): NotifierConfig {
  // Infrastructure templates often render an unused setting as an empty string: treat it as unset.
  const present = Object.fromEntries(
    Object.entries(environment).filter(([, value]) => value !== undefined && value !== ''),
  );
  const config = parseConfig('notifier', schema, present);
  const delivery = {
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    retryBudgetMs: config.WEBHOOK_RETRY_BUDGET_MS,
  };

  if (config.WEBHOOK_URL === undefined && config.WEBHOOK_SIGNING_SECRET !== undefined) {
    throw new ConfigurationError(
      'notifier: invalid configuration: WEBHOOK_SIGNING_SECRET only applies with WEBHOOK_URL; give the secret in each target instead',
    );
  }
  // With a list of targets, WEBHOOK_FORMAT is the format of those that name none.
  const format = config.WEBHOOK_FORMAT ?? DEFAULT_WEBHOOK_FORMAT;

  // Each source is built only once it is known to be the only one, so a second, broken source is
  // reported as "several are set" rather than by its own parse error.
  const sources: { variable: (typeof TARGET_VARIABLES)[number]; build: () => TargetSource }[] = [];
  const { WEBHOOK_URL: url, WEBHOOK_TARGETS: list, WEBHOOK_SECRET_ARN: secretArn } = config;
  if (url !== undefined) {
    const target = { url, format, secret: config.WEBHOOK_SIGNING_SECRET };
    sources.push({
      variable: 'WEBHOOK_URL',
      build: () => ({ kind: 'environment', targets: [target] }),
    });
  }
  if (list !== undefined) {
    sources.push({
      variable: 'WEBHOOK_TARGETS',
      build: () => ({
        kind: 'environment',
        targets: parseWebhookTargets(
          list,
          'notifier: invalid configuration: WEBHOOK_TARGETS',
          format,
        ),
      }),
    });
  }
  if (secretArn !== undefined) {
    sources.push({
      variable: 'WEBHOOK_SECRET_ARN',
      build: () => ({ kind: 'secret', secretArn, defaultFormat: format }),
    });
  }

  const [only, ...others] = sources;
  if (only === undefined || others.length > 0) {
    throw new ConfigurationError(
      `notifier: invalid configuration: set exactly one of ${TARGET_VARIABLES.join(', ')} (${
        only === undefined
          ? 'none is set'
          : `${sources.map((source) => source.variable).join(' and ')} are set`
      })`,
    );
  }
  return { targets: only.build(), delivery };
}

/** Where notifications wait between attempts, and what is known of their deliveries. */
export interface NotificationQueueConfig {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly deliveryTableName: string;
  /** From a notification's first receipt, how long a failing delivery is retried. */
  readonly retryWindowMs: number;
}

/**
 * Longest retry window, a week: SQS's redrive backstop allows at most 1,000 receives, and a week of
 * backoff (15-minute steps, jittered) stays well under that; the queue keeps messages 14 days.
 */
export const MAX_NOTIFICATION_RETRY_HOURS = 7 * 24;

const queueSchema = z.object({
  NOTIFICATION_QUEUE_URL: env.required(),
  NOTIFICATION_DEAD_LETTER_QUEUE_URL: env.required(),
  DELIVERY_TABLE_NAME: env.required(),
  NOTIFICATION_RETRY_HOURS: env.integer(24, { min: 1, max: MAX_NOTIFICATION_RETRY_HOURS }),
});

/** Reads the queue, dead-letter queue, delivery table and retry window the stack gives. */
export function parseNotificationQueueConfig(
  environment: Record<string, string | undefined> = process.env,
): NotificationQueueConfig {
  const config = parseConfig('notifier', queueSchema, environment);
  return {
    queueUrl: config.NOTIFICATION_QUEUE_URL,
    deadLetterQueueUrl: config.NOTIFICATION_DEAD_LETTER_QUEUE_URL,
    deliveryTableName: config.DELIVERY_TABLE_NAME,
    retryWindowMs: config.NOTIFICATION_RETRY_HOURS * 3_600_000,
  };
}
