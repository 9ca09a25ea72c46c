import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { WAKE_PATTERN } from '../../events/ec2-ami-state-change';
import { acknowledge, acknowledgeWildcardResources } from '../nag';
import { describeResource, TEMPLATE_METADATA } from '../template-metadata';
import {
  buildWatcherDefinition,
  WAITING_CHECK_ATTRIBUTES,
  WATCHER_MAP_LABEL,
  WATCHER_STATES,
} from '../watcher/definition';
import { buildWakeDefinition, WAKE_STATES } from '../watcher/wake-definition';
import { DeadLetterQueue } from './dead-letter-queue';
import type { RequestLedger } from './request-ledger';
import { toRulePattern } from './subscriptions';

export interface WatcherProps {
  readonly bus: events.IEventBus;
  /** Each AMI's terminal state is written there before its event is published. */
  readonly ledger: RequestLedger;
  /** `<prefix>/<instance name>/latest` holds the name's latest available AMI. */
  readonly latestParameterPrefix: string;
  readonly pollInterval: Duration;
  readonly waitDeadline: Duration;
  readonly maxConcurrency: number;
  readonly logRetention: logs.RetentionDays;
}

/** A backstop beyond the per-AMI deadline, in case a publish keeps being retried. */
const EXECUTION_TIMEOUT_MARGIN = Duration.hours(1);
/** A wake-up is worth something only while the check still waits: at most one poll interval. */
const WAKE_MAX_EVENT_AGE = Duration.minutes(1);
const WAKE_RETRY_ATTEMPTS = 3;

/**
 * The Standard state machine that watches a request's AMIs until each one ends in AmiAvailable or
 * AmiFailed. Started by the creator with a WatcherInput; logs every state with its data, traced.
 */
export class Watcher extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  /** Task tokens of the checks waiting for an AMI, by image id. */
  readonly waitingChecks: dynamodb.Table;
  /** Express state machine: `EC2 AMI State Change` → return the waiting check's token. */
  readonly wakeUp: sfn.StateMachine;
  /**
   * How long an AMI may stay pending. The creator puts the deadline on each image it hands over
   * (`deadlineAt`); the execution timeout is set from the same value so that it stays a backstop.
   */
  readonly waitDeadline: Duration;

  constructor(scope: Construct, id: string, props: WatcherProps) {
    super(scope, id);
    this.waitDeadline = props.waitDeadline;
    this.waitingChecks = new dynamodb.Table(this, 'WaitingChecks', {
      partitionKey: { name: WAITING_CHECK_ATTRIBUTES.imageId, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    describeResource(this.waitingChecks, { [TEMPLATE_METADATA.role]: 'waiting-checks' });
    acknowledge(
      this.waitingChecks,
      'AwsSolutions-DDB3',
      'Holds only the task tokens of checks waiting right now; a restored token is of no use.',
    );
    const { definition } = buildWatcherDefinition(this, {
      ...props,
      waitingChecks: this.waitingChecks,
      ledger: props.ledger.table,
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      // The vendedlogs prefix keeps CloudWatch Logs' resource policy from growing per log group.
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-watcher`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment:
        'Waits for each AMI of a request to become available; publishes AmiAvailable or AmiFailed',
      stateMachineType: sfn.StateMachineType.STANDARD,
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: props.waitDeadline.plus(EXECUTION_TIMEOUT_MARGIN),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    describeResource(this.stateMachine, {
      [TEMPLATE_METADATA.service]: 'watcher',
      [TEMPLATE_METADATA.waitStates]: [WATCHER_STATES.waitUnwoken],
      [TEMPLATE_METADATA.taskStates]: {
        'dynamodb:putItem.waitForTaskToken': [WATCHER_STATES.wait],
        'dynamodb:deleteItem': [WATCHER_STATES.forget],
        'dynamodb:updateItem': [
          WATCHER_STATES.recordAvailable,
          WATCHER_STATES.recordImageFailed,
          WATCHER_STATES.recordImageFailedWithoutReason,
          WATCHER_STATES.recordImageMissing,
          WATCHER_STATES.recordTimedOut,
          WATCHER_STATES.recordWatcherError,
          WATCHER_STATES.recordPublished,
        ],
        'ec2:describeImages': [WATCHER_STATES.describe],
        'ssm:putParameter': [WATCHER_STATES.setLatestParameter],
        'events:putEvents': [
          WATCHER_STATES.publishAvailable,
          WATCHER_STATES.publishImageFailed,
          WATCHER_STATES.publishImageFailedWithoutReason,
          WATCHER_STATES.publishImageMissing,
          WATCHER_STATES.publishTimedOut,
          WATCHER_STATES.publishWatcherError,
        ],
      },
    });

    acknowledge(
      this,
      'AwsSolutions-IAM5[Resource::*]',
      'ec2:DescribeImages, X-Ray and the CloudWatch Logs delivery actions do not support resource-level permissions.',
    );
    acknowledgeWildcardResources(
      this,
      [
        executionArns(this.stateMachine),
        executionArns(this.stateMachine, `/${WATCHER_MAP_LABEL}:*`),
      ],
      'The distributed Map describes, stops and redrives child executions of this state machine only; their names are generated.',
    );
    acknowledgeWildcardResources(
      this,
      [
        Stack.of(this).formatArn({
          service: 'ssm',
          resource: 'parameter',
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          resourceName: `${props.latestParameterPrefix.replace(/^\/+|\/+$/g, '')}/*`,
        }),
      ],
      'One latest-AMI parameter per instance name, under the configured prefix only.',
    );

    this.wakeUp = this.buildWakeUp(props.logRetention);
  }

  /**
   * EC2's `EC2 AMI State Change` events arrive on the account's default bus, not on ours. A rule
   * there starts the wake-up state machine (Express: one short run per event, no function).
   */
  private buildWakeUp(logRetention: logs.RetentionDays): sfn.StateMachine {
    const stackName = Stack.of(this).stackName;
    const logGroup = new logs.LogGroup(this, 'WakeUpLogs', {
      logGroupName: `/aws/vendedlogs/states/${stackName}-watcher-wake-up`,
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const { definition } = buildWakeDefinition(this, {
      waitingChecks: this.waitingChecks,
      watcher: this.stateMachine,
    });
    const wakeUp = new sfn.StateMachine(this, 'WakeUp', {
      comment: 'EC2 AMI State Change → ends the wait of the watcher check waiting for that AMI',
      stateMachineType: sfn.StateMachineType.EXPRESS,
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: Duration.minutes(1),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    describeResource(wakeUp, {
      [TEMPLATE_METADATA.service]: 'watcher-wake-up',
      [TEMPLATE_METADATA.taskStates]: {
        'dynamodb:getItem': [WAKE_STATES.find],
        'sfn:sendTaskSuccess': [WAKE_STATES.wake],
      },
    });
    const undelivered = new DeadLetterQueue(this, 'UndeliveredWakeUps', {
      purpose: 'watcher wake-up: EC2 AMI State Change events EventBridge could not deliver',
    });
    new events.Rule(this, 'AmiStateChange', {
      description: 'EC2 AMI State Change (available, failed) to the watcher wake-up',
      eventPattern: toRulePattern(WAKE_PATTERN),
      targets: [
        new targets.SfnStateMachine(wakeUp, {
          deadLetterQueue: undelivered.queue,
          maxEventAge: WAKE_MAX_EVENT_AGE,
          retryAttempts: WAKE_RETRY_ATTEMPTS,
        }),
      ],
    });
    acknowledgeWildcardResources(
      this,
      [`${this.stateMachine.stateMachineArn}/*`],
      'Task tokens of the distributed Map child executions of this watcher only.',
    );
    return wakeUp;
  }
}

/**
 * Failed child executions of the watcher's distributed Map, one per AMI. The Map tolerates them,
 * so the watcher's own execution still succeeds; Step Functions reports its children's metrics
 * under the state machine's ARN followed by `/<Map label>`.
 */
export function metricFailedWatches(
  watcher: sfn.IStateMachine,
  options: cloudwatch.MetricOptions = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/States',
    metricName: 'ExecutionsFailed',
    dimensionsMap: { StateMachineArn: `${watcher.stateMachineArn}/${WATCHER_MAP_LABEL}` },
    statistic: cloudwatch.Stats.SUM,
    ...options,
  });
}

/** ARNs of every execution of a state machine (`/<Map label>:*`: of a Map Run), as IAM grants them. */
export function executionArns(stateMachine: sfn.IStateMachine, suffix = ':*'): string {
  const stack = Stack.of(stateMachine);
  return stack.formatArn({
    service: 'states',
    resource: 'execution',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    resourceName: `${stack.splitArn(stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName}${suffix}`,
  });
}
