import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { LEDGER_ATTRIBUTES as LEDGER } from '../services/shared/request-ledger-record';

/** Retries for a brief service call: 1 s doubling to 30 s, six attempts, full jitter. */
export function retryBriefly(task: sfn.TaskStateBase): void {
  task.addRetry({
    errors: [sfn.Errors.ALL],
    interval: Duration.seconds(1),
    backoffRate: 2,
    maxAttempts: 6,
    maxDelay: Duration.seconds(30),
    jitterStrategy: sfn.JitterType.FULL,
  });
}

/**
 * The RecordPublished state of a state machine that publishes terminal events (the watcher, the
 * creator's announcer): marks the name's request-ledger item published, retried briefly. The
 * caller decides where a failure goes: the event is out whatever happens here.
 */
export function recordPublishedState(
  scope: Construct,
  id: string,
  props: {
    readonly ledger: dynamodb.ITable;
    /** JSONPaths of the request id and the instance name in the state's input. */
    readonly requestIdPath: string;
    readonly instanceNamePath: string;
  },
): tasks.DynamoUpdateItem {
  const record = new tasks.DynamoUpdateItem(scope, id, {
    comment: 'The terminal event is out: the name has ended for good',
    table: props.ledger,
    key: {
      [LEDGER.requestId]: tasks.DynamoAttributeValue.fromString(
        sfn.JsonPath.stringAt(props.requestIdPath),
      ),
      [LEDGER.instanceName]: tasks.DynamoAttributeValue.fromString(
        sfn.JsonPath.stringAt(props.instanceNamePath),
      ),
    },
    updateExpression: 'SET #published = :true',
    conditionExpression: 'attribute_exists(#published)',
    expressionAttributeNames: { '#published': LEDGER.published },
    expressionAttributeValues: { ':true': tasks.DynamoAttributeValue.fromBoolean(true) },
    resultPath: sfn.JsonPath.DISCARD,
  });
  retryBriefly(record);
  return record;
}
