import { describeWebhook, type Timeline } from '../timeline';
import { type RelayedWebhook, startWebhookRelay, type WebhookRelay } from '../webhook-relay';
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

/**
 * Puts a relay in front of each of the user's webhook URLs, so that the timeline shows every post
 * and what the user's server answered. Returns the options with the relays' URLs in their place.
 */
export async function startWebhookRelays(
  options: WebhookOptions,
  host: string,
  timeline: Timeline,
): Promise<{ relayed: WebhookOptions; relays: WebhookRelay[] }> {
  const relays: WebhookRelay[] = [];
  const relayTo = async <Target extends WebhookTarget>(target: Target): Promise<Target> => {
    const relay = await startWebhookRelay({
      targetUrl: target.url,
      host,
      onRelayed: (relayed) => timeline({ kind: 'webhook', text: describeRelayedWebhook(relayed) }),
    });
    relays.push(relay);
    return { ...target, url: relay.url };
  };
  const relayed: WebhookOptions = {
    ...(options.webhook ? { webhook: await relayTo(options.webhook) } : {}),
    ...(options.webhookTargets
      ? { webhookTargets: await Promise.all(options.webhookTargets.map(relayTo)) }
      : {}),
  };
  return { relayed, relays };
}

function describeRelayedWebhook({ webhook, targetUrl, outcome }: RelayedWebhook): string {
  const answer = outcome === 'unreachable' ? 'unreachable (502)' : String(outcome);
  return `${describeWebhook(webhook)} → ${targetUrl} ${answer}`;
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
