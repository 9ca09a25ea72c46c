import { randomUUID } from 'node:crypto';
import { AmiAvailableV1 } from '../events/ami-available.v1';
import { AmiRequestedV1 } from '../events/ami-requested.v1';
import { SOURCES } from '../events/contract';
import { createAmiEvent } from '../services/api/api-gateway-event.fixture';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './synthesized-app';

/** An event as an EventBridge rule target receives it. */
function eventBridgeEvent(detailType: string, source: string, detail: unknown) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source,
    account: LOCAL_ACCOUNT,
    time: '2025-06-05T12:04:03Z',
    region: LOCAL_REGION,
    resources: [],
    detail,
  };
}

/**
 * The event of each function's first invocation, as production would deliver it: the API gets the
 * seed's `POST /prod/create-ami`; the creator an `AmiRequested` whose instance is running; the
 * notifier and the janitor an `AmiAvailable` (the janitor finds nothing old enough to purge).
 */
export function firstEvent(service: string): unknown {
  switch (service) {
    case 'api':
      return createAmiEvent();
    case 'creator':
      return eventBridgeEvent(
        AmiRequestedV1.detailType,
        'ci.release-pipeline',
        AmiRequestedV1.examples[1],
      );
    case 'notifier':
      // The notifier reads its queue: the rule's event arrives as one SQS record.
      return sqsBatch(
        eventBridgeEvent(AmiAvailableV1.detailType, SOURCES.watcher, AmiAvailableV1.examples[0]),
      );
    case 'janitor':
      return eventBridgeEvent(
        AmiAvailableV1.detailType,
        SOURCES.watcher,
        AmiAvailableV1.examples[0],
      );
    default:
      throw new Error(`no first event is defined for the function "${service}"`);
  }
}

/** One message as Lambda's SQS event source mapping delivers it. */
function sqsBatch(body: unknown) {
  const sentAt = String(Date.now());
  return {
    Records: [
      {
        messageId: randomUUID(),
        receiptHandle: randomUUID(),
        body: JSON.stringify(body),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: sentAt,
          SenderId: LOCAL_ACCOUNT,
          ApproximateFirstReceiveTimestamp: sentAt,
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:notifications`,
        awsRegion: LOCAL_REGION,
      },
    ],
  };
}
