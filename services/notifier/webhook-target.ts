import { describeIssues } from '../../events/issues';
import * as z from '../../events/zod';
import { ConfigurationError } from '../shared/config';
import { NOTIFIED_EVENTS } from './notification';

export const WEBHOOK_FORMATS = ['jandi', 'slack', 'teams', 'discord', 'json'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export const webhookFormatSchema = z.enum(WEBHOOK_FORMATS);

// Plain http is allowed for loopback sinks in the local cloud; zod's messages never echo the value.
export const webhookUrlSchema = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const signingSecretSchema = z
  .string()
  .check(z.minLength(16, { error: 'must be at least 16 characters' }));

/** A target's format, when it names none: JANDI, the seed's. */
export const DEFAULT_WEBHOOK_FORMAT: WebhookFormat = 'jandi';

export const webhookTargetSchema = z.object({
  url: webhookUrlSchema,
  format: z.optional(webhookFormatSchema),
  /** Signs every delivery to this target (HMAC-SHA256); see README. */
  secret: z.optional(signingSecretSchema),
  /** Only these detail-types go to the target; all of them when absent. */
  events: z.optional(
    z
      .array(z.enum(NOTIFIED_EVENTS))
      .check(z.minLength(1, { error: 'must list at least one event (or be left out)' })),
  ),
});

export type WebhookTarget = z.output<typeof webhookTargetSchema> & {
  readonly format: WebhookFormat;
};

/** A bounded list keeps one invocation's fan-out (and its time budget) predictable. */
export const MAX_WEBHOOK_TARGETS = 20;

const targetListSchema = z
  .array(webhookTargetSchema)
  .check(
    z.minLength(1, { error: 'must list at least one target' }),
    z.maxLength(MAX_WEBHOOK_TARGETS, { error: `must list at most ${MAX_WEBHOOK_TARGETS} targets` }),
  );

/**
 * Parses a JSON array of targets (or one target object); a target without a format gets
 * `defaultFormat`. `origin` names where the text came from (a variable or secret) in the
 * `ConfigurationError`; the text itself never appears in it, because JSON parser messages quote
 * the input and URLs are secrets.
 */
export function parseWebhookTargets(
  text: string,
  origin: string,
  defaultFormat: WebhookFormat = DEFAULT_WEBHOOK_FORMAT,
): WebhookTarget[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigurationError(`${origin}: is not valid JSON`);
  }
  const result = targetListSchema.safeParse(Array.isArray(json) ? json : [json]);
  if (!result.success) {
    throw new ConfigurationError(`${origin}: ${describeIssues(result.error)}`);
  }
  return result.data.map((target) => ({ ...target, format: target.format ?? defaultFormat }));
}

/** Whether a target wants this detail-type. */
export function subscribesTo(target: WebhookTarget, detailType: string): boolean {
  return target.events === undefined || target.events.some((event) => event === detailType);
}
