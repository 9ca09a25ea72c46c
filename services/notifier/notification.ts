import { AmiAvailableV1, type AmiAvailableV1Detail } from '../../events/ami-available.v1';
import { AmiFailedV1, type AmiFailedV1Detail } from '../../events/ami-failed.v1';
import { AmiPurgedV1, type AmiPurgedV1Detail } from '../../events/ami-purged.v1';
import { InvalidEventError, type ParsedEvent, parseEvent } from '../../events/contract';

/** The detail-types the notifier turns into webhooks (its subscriptions in the event catalog). */
export const NOTIFIED_EVENTS = ['AmiAvailable', 'AmiFailed', 'AmiPurged'] as const;
export type NotifiedEvent = (typeof NOTIFIED_EVENTS)[number];

interface Parsed<Type extends NotifiedEvent, Detail> {
  readonly detailType: Type;
  readonly event: ParsedEvent<Detail>;
  /** The EventBridge event as received; the `json` format forwards it unchanged. */
  readonly raw: unknown;
}

export type Notification =
  | Parsed<'AmiAvailable', AmiAvailableV1Detail>
  | Parsed<'AmiFailed', AmiFailedV1Detail>
  | Parsed<'AmiPurged', AmiPurgedV1Detail>;

/**
 * Dispatches on `detail-type` and parses the event against its contract. Anything else throws
 * `InvalidEventError`, so the event fails visibly and reaches the dead-letter queue.
 */
export function parseNotification(event: unknown): Notification {
  const detailType =
    typeof event === 'object' && event !== null && 'detail-type' in event
      ? event['detail-type']
      : undefined;
  switch (detailType) {
    case 'AmiAvailable':
      return { detailType, event: parseEvent(AmiAvailableV1, event), raw: event };
    case 'AmiFailed':
      return { detailType, event: parseEvent(AmiFailedV1, event), raw: event };
    case 'AmiPurged':
      return { detailType, event: parseEvent(AmiPurgedV1, event), raw: event };
    default:
      throw new InvalidEventError(
        `the notifier handles ${NOTIFIED_EVENTS.join(', ')}; got detail-type ${JSON.stringify(detailType) ?? 'undefined'}`,
        typeof detailType === 'string' ? detailType : undefined,
      );
  }
}
