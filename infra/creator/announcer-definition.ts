import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { AmiFailedV1 } from '../../events/ami-failed.v1';
import { SOURCES } from '../../events/contract';
import { recordPublishedState } from '../ledger-states';

/** State names, read by the local cloud's task metadata and by operators in histories. */
export const ANNOUNCER_STATES = {
  publish: 'PublishAmiFailed',
  recordPublished: 'RecordPublished',
  done: 'Announced',
} as const;

export interface AnnouncerDefinitionProps {
  readonly bus: events.IEventBus;
  readonly ledger: dynamodb.ITable;
}

/**
 * One failed name's terminal event (input: `events/announcer-input.ts`): publish the `AmiFailed`
 * detail the creator built, then mark the name's ledger item published.
 *
 * The creator hands each failure over by StartExecution under a name derived from the request and
 * the instance name; Step Functions runs a Standard execution's states once and answers a
 * repeated start with the execution it has, so a delivery repeated after a crash cannot publish
 * the failure a second time. A publish that still fails after its retries fails the execution
 * (the AnnouncerFailed alarm); the creator then hands the failure to a new execution on the
 * request's next delivery.
 */
export function buildAnnouncerDefinition(scope: Construct, props: AnnouncerDefinitionProps) {
  const publish = new tasks.EventBridgePutEvents(scope, ANNOUNCER_STATES.publish, {
    comment: "Publishes the name's AmiFailed, as the creator built it",
    entries: [
      {
        eventBus: props.bus,
        source: SOURCES.creator,
        detailType: AmiFailedV1.detailType,
        detail: sfn.TaskInput.fromJsonPathAt('$.detail'),
      },
    ],
    resultPath: sfn.JsonPath.DISCARD,
  });
  publish.addRetry({
    errors: [sfn.Errors.ALL],
    interval: Duration.seconds(1),
    backoffRate: 2,
    maxAttempts: 8,
    maxDelay: Duration.seconds(60),
    jitterStrategy: sfn.JitterType.FULL,
  });

  const done = new sfn.Succeed(scope, ANNOUNCER_STATES.done);
  const recordPublished = recordPublishedState(scope, ANNOUNCER_STATES.recordPublished, {
    ledger: props.ledger,
    requestIdPath: '$.detail.data.requestId',
    instanceNamePath: '$.detail.data.instanceName',
  });
  // The event is out whatever happens here. A record left unpublished makes the next delivery
  // hand the failure over again, to this same execution: nothing is published twice.
  recordPublished.addCatch(done, { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD });

  return { definition: publish.next(recordPublished).next(done) };
}
