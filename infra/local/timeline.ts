import type { ReceivedWebhook } from './webhook-sink';

/** One line of what the local cloud shows a user: request, AMI progress, events, webhooks. */
export interface TimelineEntry {
  readonly at: Date;
  readonly kind:
    | 'api'
    | 'ami'
    | 'event'
    | 'webhook'
    | 'function'
    | 'retry'
    | 'dead-letter'
    | 'schedule'
    | 'info';
  readonly text: string;
}

export type Timeline = (entry: Omit<TimelineEntry, 'at'>) => void;

const COLOURS: Record<TimelineEntry['kind'], string> = {
  api: '36',
  ami: '33',
  event: '35',
  webhook: '32',
  function: '31',
  retry: '33',
  'dead-letter': '31',
  schedule: '34',
  info: '37',
};

/** Renders timeline entries as aligned lines, coloured when the output is a terminal. */
export function formatTimelineEntry(entry: TimelineEntry, colour: boolean): string {
  const time = entry.at.toISOString().slice(11, 19);
  const label = entry.kind.padEnd(11);
  return colour
    ? `\u001b[2m${time}\u001b[0m \u001b[${COLOURS[entry.kind]}m${label}\u001b[0m ${entry.text}`
    : `${time} ${label} ${entry.text}`;
}

/** A one-line summary of a received webhook: its format's title and first line. */
export function describeWebhook(webhook: ReceivedWebhook): string {
  return summariseWebhook(webhook).replace(/\s*\n\s*/g, ' — ');
}

function summariseWebhook(webhook: ReceivedWebhook): string {
  const body = webhook.body as Record<string, unknown> | string;
  if (typeof body === 'string') return body.slice(0, 120);
  if (typeof body.body === 'string') {
    const info = (body.connectInfo as { description?: string }[] | undefined)?.[0];
    return `${body.body}${info?.description ? ` ${info.description}` : ''}`;
  }
  if (typeof body.text === 'string') return body.text.slice(0, 160);
  if (typeof body.content === 'string') return body.content.slice(0, 160);
  if (typeof body['detail-type'] === 'string') return `${body['detail-type']} (json)`;
  return JSON.stringify(body).slice(0, 160);
}
