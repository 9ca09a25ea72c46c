import type { AvailableImageClaim } from '../shared/available-image-claim';
import { METRIC, MetricUnit } from '../shared/observability';
import { type DeliveryReport, deliverNotification, type NotifyDeps } from './deliver-notification';
import type { DeliveryPolicy } from './deliver-webhook';
import { parseNotification } from './notification';
import type { WebhookTarget } from './webhook-target';

export interface NotifierDeps extends NotifyDeps {
  readonly policy: DeliveryPolicy;
  /** Checks an AmiAvailable's claim in EC2 before anyone is told (throws ClaimRejectedError). */
  readonly checkAvailableImage: (claim: AvailableImageClaim) => Promise<void>;
  readonly loadTargets: () => Promise<readonly WebhookTarget[]>;
}

/**
 * Handles one EventBridge event: parse it against its contract, count terminal AMI outcomes, and
 * deliver it to every subscribed webhook that has not got it yet. Throws `InvalidEventError` on an
 * event that breaks its contract or whose claim EC2 does not bear out, and any other error on an
 * unreadable target list; reports the targets still failing or refusing it.
 */
export async function notify(event: unknown, deps: NotifierDeps): Promise<DeliveryReport> {
  const notification = parseNotification(event);
  const { metadata } = notification.event.detail;
  deps.logger.appendKeys({
    requestId: metadata.requestId,
    eventId: notification.event.id,
    detailType: notification.detailType,
  });
  // Announcing an image people may deploy: only one EC2 shows as ours and available.
  if (notification.detailType === 'AmiAvailable') {
    const { data } = notification.event.detail;
    await deps.checkAvailableImage({ imageId: data.imageId, instanceName: data.instanceName });
  }
  // Counted on receipt: a retried notification counts again (at-least-once).
  if (notification.detailType === 'AmiAvailable') {
    deps.metrics.addMetric(METRIC.available, MetricUnit.Count, 1);
  } else if (notification.detailType === 'AmiFailed') {
    deps.metrics.addMetric(METRIC.failed, MetricUnit.Count, 1);
  }
  const targets = await deps.loadTargets();
  return deliverNotification(notification, targets, deps.policy, deps);
}
