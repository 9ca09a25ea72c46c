import { describeWebhook, type Timeline } from '../timeline';
import { startWebhookSink, type WebhookSink } from '../webhook-sink';

export interface WebhookTarget {
  readonly url: string;
  readonly format?: string;
}

export interface WebhookOptions {
  readonly webhook?: WebhookTarget;
  readonly webhookTargets?: readonly { url: string; format?: string; events?: string[] }[];
}

/** The built-in sink, which prints each webhook it receives on the timeline. */
export function startTimelineSink(host: string, timeline: Timeline): Promise<WebhookSink> {
  return startWebhookSink({
    host,
    onReceive: (webhook) => timeline({ kind: 'webhook', text: describeWebhook(webhook) }),
  });
}

/** The notifier's targets, as its environment names them: the options' targets, else the sink. */
export function webhookEnvironment(
  options: WebhookOptions,
  sink: WebhookSink | undefined,
): Record<string, string> {
  if (options.webhookTargets) return { WEBHOOK_TARGETS: JSON.stringify(options.webhookTargets) };
  if (options.webhook) {
    return { WEBHOOK_URL: options.webhook.url, WEBHOOK_FORMAT: options.webhook.format ?? 'jandi' };
  }
  return { WEBHOOK_URL: sink?.url ?? '', WEBHOOK_FORMAT: 'jandi' };
}
