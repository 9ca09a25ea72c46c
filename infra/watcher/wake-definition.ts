import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { WAITING_CHECK_ATTRIBUTES } from './definition';

/** State names of the wake-up state machine (the local cloud answers its Tasks by resource). */
export const WAKE_STATES = {
  find: 'FindWaitingCheck',
  isWaiting: 'IsACheckWaiting',
  wake: 'WakeWaitingCheck',
  nobody: 'NobodyWaiting',
  tooLate: 'CheckAlreadyRunning',
} as const;

/**
 * What returning a token can answer when the check it belonged to is no longer waiting: it timed
 * out and is checking already, or its execution has ended. Both mean the check is running or done.
 */
export const STALE_TOKEN_ERRORS = [
  'Sfn.TaskTimedOutException',
  'Sfn.InvalidTokenException',
  'Sfn.TaskDoesNotExistException',
] as const;

export interface WakeDefinitionProps {
  readonly waitingChecks: dynamodb.ITable;
  /** The watcher whose checks are woken. */
  readonly watcher: sfn.IStateMachine;
}

const WAITING = '$.waiting';

/**
 * Input: an `EC2 AMI State Change` event. If a watcher check is waiting for that AMI, returns its
 * task token so the check runs now. AMIs nobody watches (not ours, or done) end at NobodyWaiting.
 * Anything else fails the execution, which the wake-up alarm reports; the check it would have
 * woken still runs at the end of its poll interval.
 */
export function buildWakeDefinition(scope: Construct, props: WakeDefinitionProps) {
  const find = new tasks.DynamoGetItem(scope, WAKE_STATES.find, {
    table: props.waitingChecks,
    key: {
      [WAITING_CHECK_ATTRIBUTES.imageId]: tasks.DynamoAttributeValue.fromString(
        sfn.JsonPath.stringAt('$.detail.ImageId'),
      ),
    },
    // A token written a moment ago must be the one read.
    consistentRead: true,
    // `Item` is absent when nobody waits: a ResultSelector could not pick it without failing.
    resultPath: WAITING,
  });

  const wake = tasks.CallAwsService.jsonPath(scope, WAKE_STATES.wake, {
    service: 'sfn',
    action: 'sendTaskSuccess',
    // Tokens of a distributed Map's child executions are returned on the parent state machine
    // (`/*`: its Map Runs), as CDK's grantTaskResponse grants them.
    iamResources: [props.watcher.stateMachineArn, `${props.watcher.stateMachineArn}/*`],
    parameters: {
      TaskToken: sfn.JsonPath.stringAt(`${WAITING}.Item.${WAITING_CHECK_ATTRIBUTES.taskToken}.S`),
      Output: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.detail')),
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  wake.addCatch(new sfn.Succeed(scope, WAKE_STATES.tooLate), {
    errors: [...STALE_TOKEN_ERRORS],
    resultPath: sfn.JsonPath.DISCARD,
  });

  const nobody = new sfn.Succeed(scope, WAKE_STATES.nobody);
  const isWaiting = new sfn.Choice(scope, WAKE_STATES.isWaiting)
    .when(sfn.Condition.isPresent(`${WAITING}.Item.${WAITING_CHECK_ATTRIBUTES.taskToken}.S`), wake)
    .otherwise(nobody);

  return { definition: find.next(isWaiting) };
}
