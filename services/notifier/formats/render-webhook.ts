import type { Notification } from '../notification';
import type { WebhookFormat } from '../webhook-target';
import { renderDiscord } from './discord';
import { renderJandi } from './jandi';
import { renderJson } from './json';
import type { RenderedWebhook } from './rendered-webhook';
import { renderSlack } from './slack';
import { renderTeams } from './teams';

const RENDERERS: Record<WebhookFormat, (notification: Notification) => RenderedWebhook> = {
  jandi: renderJandi,
  slack: renderSlack,
  teams: renderTeams,
  discord: renderDiscord,
  json: renderJson,
};

export function renderWebhook(format: WebhookFormat, notification: Notification): RenderedWebhook {
  return RENDERERS[format](notification);
}
