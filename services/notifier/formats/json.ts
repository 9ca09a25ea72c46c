import type { Notification } from '../notification';
import { JSON_HEADERS, type RenderedWebhook } from './rendered-webhook';

export const EVENT_ID_HEADER = 'X-Ami-Lifecycle-Event-Id';
export const EVENT_TYPE_HEADER = 'X-Ami-Lifecycle-Event-Type';

/**
 * The EventBridge event exactly as received, for systems that want the contract itself. The
 * event id header lets receivers drop the repeats that at-least-once delivery can cause.
 */
export function renderJson(notification: Notification): RenderedWebhook {
  return {
    headers: {
      ...JSON_HEADERS,
      [EVENT_ID_HEADER]: notification.event.id,
      [EVENT_TYPE_HEADER]: notification.detailType,
    },
    body: JSON.stringify(notification.raw),
  };
}
