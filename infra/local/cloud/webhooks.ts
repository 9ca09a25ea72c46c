import { describeWebhook, type Timeline } from '../timeline';
import { type RelayedWebhook, startWebhookRelay, type WebhookRelay } from '../webhook-relay';
import { startWebhookSink, type WebhookSink } from '../webhook-sink';
import type { WebhookPorts } from './webhook-ports';

export interface WebhookTarget {
  readonly url: string;
  readonly format?: string;
}

export interface WebhookOptions {
  readonly webhook?: WebhookTarget;
  readonly webhookTargets?: readonly { url: string; format?: string; events?: string[] }[];
}

/** The built-in sink, which prints each webhook it receives on the timeline. */
export async function startTimelineSink(
  host: string,
  timeline: Timeline,
  ports: WebhookPorts,
): Promise<WebhookSink> {
  const saved = ports.saved('sink');
  const sink = await startWebhookSink({
    host,
    ...(saved === undefined ? {} : { port: saved }),
    onReceive: (webhook) => timeline({ kind: 'webhook', text: describeWebhook(webhook) }),
  });
  keepPort(ports, 'sink', 'the built-in webhook sink', sink.url, timeline);
  return sink;
}

/** Remembers where `key` listens; says so when its saved port was taken by another process. */
function keepPort(
  ports: WebhookPorts,
  key: string,
  what: string,
  url: string,
  timeline: Timeline,
): void {
  const saved = ports.saved(key);
  const port = Number(new URL(url).port);
  if (saved !== undefined && saved !== port) {
    timeline({
      kind: 'info',
      text: `${what}: port ${saved} was taken, now at ${url}; a notification retried across this restart may be posted again there`,
    });
  }
  ports.remember(key, port);
}

/**
 * Puts a relay in front of each of the user's webhook URLs, so that the timeline shows every post
 * and what the user's server answered. Returns the options with the relays' URLs in their place.
 */
export async function startWebhookRelays(
  options: WebhookOptions,
  host: string,
  timeline: Timeline,
  ports: WebhookPorts,
): Promise<{ relayed: WebhookOptions; relays: WebhookRelay[] }> {
  const relays: WebhookRelay[] = [];
  const seen = new Map<string, number>();
  const relayTo = async <Target extends WebhookTarget>(target: Target): Promise<Target> => {
    // A URL listed twice gets two relays, each with a port of its own.
    const occurrence = (seen.get(target.url) ?? 0) + 1;
    seen.set(target.url, occurrence);
    const key = occurrence === 1 ? target.url : `${target.url} #${occurrence}`;
    const saved = ports.saved(key);
    const relay = await startWebhookRelay({
      targetUrl: target.url,
      host,
      ...(saved === undefined ? {} : { port: saved }),
      onRelayed: (relayed) => timeline({ kind: 'webhook', text: describeRelayedWebhook(relayed) }),
    });
    keepPort(ports, key, `the relay to ${target.url}`, relay.url, timeline);
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

/** The URLs the notifier posts to: the relays', else the sink's. */
export function webhookUrls(relayed: WebhookOptions, sink: WebhookSink | undefined): string[] {
  if (relayed.webhookTargets) return relayed.webhookTargets.map((target) => target.url);
  if (relayed.webhook) return [relayed.webhook.url];
  return sink ? [sink.url] : [];
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
