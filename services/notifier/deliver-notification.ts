import { type Logger, METRIC, type Metrics, MetricUnit } from '../shared/observability';
import { type DeliveryDeps, type DeliveryPolicy, deliverWebhook } from './deliver-webhook';
import type { DeliveryLedger } from './delivery-ledger';
import { targetKey } from './delivery-ledger';
import { renderWebhook } from './formats/render-webhook';
import type { Notification } from './notification';
import { signatureHeaders } from './webhook-signature';
import { subscribesTo, type WebhookFormat, type WebhookTarget } from './webhook-target';

export interface NotifyDeps extends DeliveryDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly ledger: DeliveryLedger;
}

/** A target named as logs and reasons name it: by index and format, never by URL. */
interface TargetRef {
  /** Position of the target in its list. */
  readonly target: number;
  readonly format: WebhookFormat;
  /** Hash of the URL, the target's key in the delivery ledger. */
  readonly key: string;
}

export interface TargetFailure extends TargetRef {
  readonly attempts: number;
  readonly lastFailure: string;
}

export interface TargetRejection extends TargetRef {
  /** Unknown when the status was not recorded. */
  readonly status?: number;
}

/** What is left of a notification after one round of deliveries. */
export interface DeliveryReport {
  /** Still failing after the retry budget: worth retrying later. */
  readonly failures: readonly TargetFailure[];
  /** Refused (4xx other than 408/429): retrying cannot fix it until the URL is fixed. */
  readonly rejections: readonly TargetRejection[];
}

/** The reason of a report, as a dead letter carries it; it names targets, never their URLs. */
export function describeUndelivered(report: DeliveryReport): string {
  return [
    ...report.rejections.map(
      (r) =>
        `target ${r.target} (${r.format}) rejected the webhook${r.status === undefined ? '' : ` with HTTP ${r.status}`}`,
    ),
    ...report.failures.map(
      (f) => `target ${f.target} (${f.format}) ${f.lastFailure} after ${f.attempts} attempt(s)`,
    ),
  ].join('; ');
}

/**
 * Renders the event for every target that subscribes to it and has not settled it yet (delivered,
 * or refused it), and delivers to them in parallel. Each 2xx is recorded at once, so a retry
 * posts only to the targets still missing; a refusal (4xx) is recorded too and not retried.
 */
export async function deliverNotification(
  notification: Notification,
  targets: readonly WebhookTarget[],
  policy: DeliveryPolicy,
  deps: NotifyDeps,
): Promise<DeliveryReport> {
  const { logger, ledger } = deps;
  const eventId = notification.event.id;
  const subscribed = targets
    .map((target, index) => ({ target, index, key: targetKey(target.url) }))
    .filter(({ target }) => subscribesTo(target, notification.detailType));
  if (subscribed.length === 0) {
    logger.info('no webhook target subscribes to this event', { targets: targets.length });
    return { failures: [], rejections: [] };
  }
  const settled = await ledger.recorded(eventId);
  const selected = subscribed.filter(({ key }) => !settled.has(key));
  if (selected.length < subscribed.length) {
    logger.info('skipping targets that already settled this event', {
      skipped: subscribed.filter(({ key }) => settled.has(key)).map(({ index }) => index),
    });
  }

  const failures: TargetFailure[] = [];
  // Refusals of earlier attempts still count: the notification ends in the dead-letter queue.
  const rejections: TargetRejection[] = subscribed.flatMap(({ target, index, key }) => {
    const recorded = settled.get(key);
    return recorded?.outcome === 'rejected'
      ? [{ target: index, format: target.format, key, status: recorded.status }]
      : [];
  });
  await Promise.all(
    selected.map(async ({ target, index, key }) => {
      const rendered = renderWebhook(target.format, notification);
      const headers =
        target.secret === undefined
          ? rendered.headers
          : {
              ...rendered.headers,
              ...signatureHeaders(target.secret, rendered.body, deps.clock()),
            };
      const result = await deliverWebhook(
        { url: target.url, headers, body: rendered.body },
        policy,
        deps,
      );
      countDelivery(deps.metrics, result.outcome);
      const where = { target: index, format: target.format, attempts: result.attempts };
      switch (result.outcome) {
        case 'delivered':
          logger.info('webhook delivered', { ...where, status: result.status });
          await ledger.record(eventId, key, { outcome: 'delivered' });
          return;
        case 'rejected':
          logger.error('webhook rejected by the receiver; not retried', {
            ...where,
            status: result.status,
          });
          // Alarmed on: a revoked URL needs an operator.
          deps.metrics.singleMetric().addMetric(METRIC.webhookRejected, MetricUnit.Count, 1);
          await ledger.record(eventId, key, { outcome: 'rejected', status: result.status });
          rejections.push({ target: index, format: target.format, key, status: result.status });
          return;
        case 'failed':
          logger.error('webhook delivery failed within the retry budget', {
            ...where,
            lastFailure: result.lastFailure,
          });
          failures.push({ ...where, key, lastFailure: result.lastFailure });
          return;
      }
    }),
  );
  const byTarget = (a: TargetRef, b: TargetRef) => a.target - b.target;
  return { failures: failures.sort(byTarget), rejections: rejections.sort(byTarget) };
}

/** A single metric per delivery, so each outcome gets its own dimension in one invocation. */
function countDelivery(metrics: Metrics, outcome: string): void {
  const metric = metrics.singleMetric();
  metric.addDimension('outcome', outcome);
  metric.addMetric(METRIC.webhookDeliveries, MetricUnit.Count, 1);
}
