import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { AmiRequestedV1, type AmiRequestedV1Detail } from '../../events/ami-requested.v1';
import { InvalidEventError, parseDetail, SOURCES } from '../../events/contract';
import { type PublishOptions, publishEvents } from '../../events/publish';
import type { Clock } from '../shared/clock';
import { type Logger, METRIC, type Metrics, MetricUnit } from '../shared/observability';
import type { RequestLedger } from '../shared/request-ledger';

export interface RequestAmisDeps {
  readonly eventBridge: EventBridgeClient;
  readonly eventBusName: string;
  /** Each name is recorded as `requested` before the request is published. */
  readonly ledger: RequestLedger;
  readonly clock: Clock;
  /** Makes a request id when the caller chose none (a UUID in production). */
  readonly newRequestId: () => string;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly publishOptions?: PublishOptions;
}

/** A validated request, in domain terms. */
export interface AmiRequest {
  readonly instanceNames: readonly string[];
  readonly requestId?: string;
  /** The authenticated caller (IAM ARN or API key id); absent on an open endpoint. */
  readonly requestedBy?: string;
  /** Free text the caller chose, e.g. a pipeline name; unverified, so never taken as the caller. */
  readonly requestLabel?: string;
  readonly noReboot?: boolean;
}

export interface AcceptedAmiRequest {
  readonly requestId: string;
  readonly instanceNames: readonly string[];
}

/** EventBridge threw or kept rejecting the entry: nothing is known to be queued. */
export class RequestNotPublishedError extends Error {
  constructor(
    readonly requestId: string,
    options?: ErrorOptions,
  ) {
    super(`AmiRequested ${requestId} was not accepted by EventBridge`, options);
    this.name = 'RequestNotPublishedError';
  }
}

/**
 * Publishes one `AmiRequested` v1 event and returns once EventBridge has accepted it. The request
 * id is the creator's idempotency key, so a caller may safely retry a failed request with it.
 */
export async function requestAmis(
  deps: RequestAmisDeps,
  request: AmiRequest,
): Promise<AcceptedAmiRequest> {
  const requestId = request.requestId ?? deps.newRequestId();
  deps.logger.appendKeys({ requestId });

  const detail: AmiRequestedV1Detail = {
    metadata: { schemaVersion: 1, requestId, occurredAt: deps.clock().toISOString() },
    data: {
      instanceNames: [...request.instanceNames],
      ...(request.requestedBy === undefined ? {} : { requestedBy: request.requestedBy }),
      ...(request.requestLabel === undefined ? {} : { requestLabel: request.requestLabel }),
      ...(request.noReboot === undefined ? {} : { options: { noReboot: request.noReboot } }),
    },
  };
  // A detail the contract refuses is a defect here: refused before anything is recorded.
  parseDetail(AmiRequestedV1, detail);
  try {
    // Recorded first, so the status routes know every request the API accepts. A request whose
    // publish then fails shows as `requested` until the caller retries it with the same id.
    await Promise.all(
      request.instanceNames.map((instanceName) =>
        deps.ledger.accept(
          { requestId, instanceName },
          {
            requestedAt: detail.metadata.occurredAt ?? deps.clock().toISOString(),
            ...(request.requestedBy === undefined ? {} : { requestedBy: request.requestedBy }),
            ...(request.requestLabel === undefined ? {} : { requestLabel: request.requestLabel }),
          },
        ),
      ),
    );
    await publishEvents(
      deps.eventBridge,
      deps.eventBusName,
      [{ contract: AmiRequestedV1, source: SOURCES.api, detail }],
      deps.publishOptions,
    );
  } catch (error) {
    // A detail the contract refuses is a defect here, not an outage: retrying cannot help.
    if (error instanceof InvalidEventError) throw error;
    throw new RequestNotPublishedError(requestId, { cause: error });
  }

  deps.metrics.addMetric(METRIC.requested, MetricUnit.Count, request.instanceNames.length);
  deps.logger.info('AMIs requested', {
    instanceNames: request.instanceNames,
    requestedBy: request.requestedBy,
    requestLabel: request.requestLabel,
  });
  return { requestId, instanceNames: request.instanceNames };
}
