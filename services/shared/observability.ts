import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** All metrics of the system share one CloudWatch namespace (the dashboard reads it). */
export const METRICS_NAMESPACE = 'AmiLifecycle';

/** The metric names the services publish; the infra dashboard graphs them. */
export const METRIC = {
  requested: 'AmisRequested',
  created: 'AmisCreated',
  available: 'AmisAvailable',
  failed: 'AmisFailed',
  purged: 'AmisPurged',
  webhookDeliveries: 'WebhookDeliveries',
  /** A webhook refused a notification (4xx): its URL is likely revoked. */
  webhookRejected: 'WebhookRejected',
} as const;

/**
 * Structured JSON logs (one object per line) and CloudWatch EMF metrics for one service.
 * Callers append `requestId` to the logger's keys, so every line of a request carries it.
 * Never log webhook URLs or secrets.
 */
export function createObservability(serviceName: string): { logger: Logger; metrics: Metrics } {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
  };
}

export type { Logger, Metrics };
export { MetricUnit };
