import { type Logger, METRIC, type Metrics, MetricUnit } from '../shared/observability';
import { type DeliveryDeps, type DeliveryPolicy, deliverWebhook } from './deliver-webhook';
import { renderWebhook } from './formats/render-webhook';
import type { Notification } from './notification';
import { signatureHeaders } from './webhook-signature';
import { subscribesTo, type WebhookFormat, type WebhookTarget } from './webhook-target';

export interface NotifyDeps extends DeliveryDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export interface TargetFailure {
  /** Position of the target in its list: logs and errors name targets by index, never by URL. */
  readonly target: number;
  readonly format: WebhookFormat;
  readonly attempts: number;
  readonly lastFailure: string;
}

/** Thrown after every target was tried, when some still failed: the platform retries the event. */
export class WebhookDeliveryError extends Error {
  constructor(
    readonly failures: readonly TargetFailure[],
    options?: ErrorOptions,
  ) {
    super(
      `webhook delivery failed for ${failures.length} target(s): ${failures
        .map(
          (f) => `target ${f.target} (${f.format}) ${f.lastFailure} after ${f.attempts} attempt(s)`,
        )
        .join('; ')}`,
      options,
    );
    this.name = 'WebhookDeliveryError';
  }
}

/**
 * Renders the event for every target that subscribes to it and delivers to all of them in
 * parallel. A target that refuses the message (4xx) is reported, not retried: retrying the event
 * cannot fix it. A target still failing after its retry budget makes the whole call throw
 * `WebhookDeliveryError` once all the others are done.
 */
export async function deliverNotification(
  notification: Notification,
  targets: readonly WebhookTarget[],
  policy: DeliveryPolicy,
  deps: NotifyDeps,
): Promise<void> {
  const { logger } = deps;
  const selected = targets
    .map((target, index) => ({ target, index }))
    .filter(({ target }) => subscribesTo(target, notification.detailType));
  if (selected.length === 0) {
    logger.info('no webhook target subscribes to this event', { targets: targets.length });
    return;
  }

  const failures = await Promise.all(
    selected.map(async ({ target, index }): Promise<TargetFailure | undefined> => {
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
          return undefined;
        case 'rejected':
          logger.error('webhook rejected by the receiver; not retried', {
            ...where,
            status: result.status,
          });
          return undefined;
        case 'failed':
          logger.error('webhook delivery failed within the retry budget', {
            ...where,
            lastFailure: result.lastFailure,
          });
          return { ...where, lastFailure: result.lastFailure };
      }
    }),
  );

  const remaining = failures.filter((failure) => failure !== undefined);
  if (remaining.length > 0) throw new WebhookDeliveryError(remaining);
}

/** A single metric per delivery, so each outcome gets its own dimension in one invocation. */
function countDelivery(metrics: Metrics, outcome: string): void {
  const metric = metrics.singleMetric();
  metric.addDimension('outcome', outcome);
  metric.addMetric(METRIC.webhookDeliveries, MetricUnit.Count, 1);
}
