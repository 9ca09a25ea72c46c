import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeWildcardResources } from '../nag';
import { describeResource, TEMPLATE_METADATA } from '../template-metadata';
import { buildWatcherDefinition, WATCHER_STATES } from '../watcher/definition';

export interface WatcherProps {
  readonly bus: events.IEventBus;
  readonly pollInterval: Duration;
  readonly waitDeadline: Duration;
  readonly maxConcurrency: number;
  readonly logRetention: logs.RetentionDays;
}

/** A backstop beyond the per-AMI deadline, in case a publish keeps being retried. */
const EXECUTION_TIMEOUT_MARGIN = Duration.hours(1);

/**
 * The Standard state machine that watches a request's AMIs until each one ends in AmiAvailable or
 * AmiFailed. Started by the creator with a WatcherInput; logs every state with its data, traced.
 */
export class Watcher extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  /**
   * How long an AMI may stay pending. The creator puts the deadline on each image it hands over
   * (`deadlineAt`); the execution timeout is set from the same value so that it stays a backstop.
   */
  readonly waitDeadline: Duration;

  constructor(scope: Construct, id: string, props: WatcherProps) {
    super(scope, id);
    this.waitDeadline = props.waitDeadline;
    const { definition } = buildWatcherDefinition(this, props);

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
      [TEMPLATE_METADATA.waitStates]: [WATCHER_STATES.wait],
      [TEMPLATE_METADATA.taskStates]: {
        'ec2:describeImages': [WATCHER_STATES.describe],
        'events:putEvents': [
          WATCHER_STATES.publishAvailable,
          WATCHER_STATES.publishImageFailed,
          WATCHER_STATES.publishImageFailedWithoutReason,
          WATCHER_STATES.publishImageMissing,
          WATCHER_STATES.publishTimedOut,
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
      [executionArns(this.stateMachine), executionArns(this.stateMachine, '/*:*')],
      'The distributed Map describes, stops and redrives child executions of this state machine only; their names are generated.',
    );
  }
}

/** ARNs of every execution of a state machine (`/*:*`: of its Map Runs), as IAM grants them. */
export function executionArns(stateMachine: sfn.IStateMachine, suffix = ':*'): string {
  const stack = Stack.of(stateMachine);
  return stack.formatArn({
    service: 'states',
    resource: 'execution',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    resourceName: `${stack.splitArn(stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName}${suffix}`,
  });
}
