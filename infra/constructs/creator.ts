import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { SUBSCRIPTIONS } from '../../events/catalog';
import { ANNOUNCER_STATES, buildAnnouncerDefinition } from '../creator/announcer-definition';
import { acknowledge, acknowledgeWildcardResources } from '../nag';
import { describeResource, TEMPLATE_METADATA } from '../template-metadata';
import { ec2ResourceArns } from './ec2-arns';
import type { RequestLedger } from './request-ledger';
import { ServiceFunction } from './service-function';
import { Subscriptions } from './subscriptions';
import { executionArns, Watcher } from './watcher';

export interface CreatorProps {
  readonly bus: events.IEventBus;
  readonly watcher: sfn.IStateMachine;
  readonly ledger: RequestLedger;
  readonly timeZone: string;
  readonly noReboot: boolean;
  /** Whether a request may ask for a reboot that `noReboot` does not make. */
  readonly allowReboot: boolean;
  readonly createConcurrency: number;
  /**
   * How long each AMI handed to the watcher may stay pending (its `deadlineAt`). Defaults to the
   * deadline of the Watcher construct that owns `watcher`, so the two cannot disagree; required
   * for a state machine defined elsewhere.
   */
  readonly waitDeadline?: Duration;
  readonly logRetention: logs.RetentionDays;
}

/**
 * AmiRequested → CreateImage from the oldest running instance of each name → AmiCreated, and one
 * watcher execution per request; a name that fails goes to the announcer, which publishes its
 * AmiFailed. It may create images and tag them only while creating them.
 */
export class Creator extends Construct {
  readonly function: ServiceFunction;
  readonly subscriptions: Subscriptions;
  /** Publishes each failed name's AmiFailed once (`infra/creator/announcer-definition.ts`). */
  readonly announcer: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: CreatorProps) {
    super(scope, id);
    const waitDeadline = props.waitDeadline ?? watcherDeadline(props.watcher);
    this.announcer = this.buildAnnouncer(props);
    this.function = new ServiceFunction(this, 'Service', {
      service: 'creator',
      description:
        'ami-lifecycle: AmiRequested → CreateImage → AmiCreated → watcher; failures → announcer',
      environment: {
        EVENT_BUS_NAME: props.bus.eventBusName,
        LEDGER_TABLE_NAME: props.ledger.table.tableName,
        STATE_MACHINE_ARN: props.watcher.stateMachineArn,
        ANNOUNCER_STATE_MACHINE_ARN: this.announcer.stateMachineArn,
        TIME_ZONE: props.timeZone,
        NO_REBOOT: String(props.noReboot),
        ALLOW_REBOOT: String(props.allowReboot),
        CREATE_CONCURRENCY: String(props.createConcurrency),
        WAIT_DEADLINE_MINUTES: String(waitDeadline.toMinutes()),
      },
      // Up to 25 names, each CreateImage retried under EC2's mutating-call throttle.
      timeout: Duration.minutes(2),
      logRetention: props.logRetention,
      invokedAsynchronously: true,
    });
    const role = this.function.role;
    props.ledger.grantRecord(role);

    this.function.grantEc2Describe(['DescribeInstances', 'DescribeImages']);
    // CreateImage authorizes the source instance and the new image and snapshots separately. The
    // creator only ever picks an instance by its Name tag, so an instance without one (whatever
    // the code asks) is never imaged, nor rebooted by an image. The image and snapshots do not
    // exist before the call, so a tag condition on them would refuse every call.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'CreateImageOfNamedInstances',
        actions: ['ec2:CreateImage'],
        resources: [ec2ResourceArns(this, 'instance')],
        conditions: { Null: { 'aws:ResourceTag/Name': 'false' } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'CreateImageResources',
        actions: ['ec2:CreateImage'],
        resources: [ec2ResourceArns(this, 'image'), ec2ResourceArns(this, 'snapshot')],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'TagOnlyWhileCreatingImage',
        actions: ['ec2:CreateTags'],
        resources: [ec2ResourceArns(this, 'image'), ec2ResourceArns(this, 'snapshot')],
        conditions: { StringEquals: { 'ec2:CreateAction': 'CreateImage' } },
      }),
    );
    props.watcher.grantStartExecution(role);
    props.watcher.grantExecution(role, 'states:DescribeExecution');
    this.announcer.grantStartExecution(role);
    this.announcer.grantExecution(role, 'states:DescribeExecution');
    props.bus.grantPutEventsTo(role);

    acknowledgeWildcardResources(
      this,
      [
        ec2ResourceArns(this, 'instance'),
        ec2ResourceArns(this, 'image'),
        ec2ResourceArns(this, 'snapshot'),
      ],
      'Any running instance with a Name tag (aws:ResourceTag/Name condition) may be the source of a requested name, and image and snapshot ids are generated by CreateImage; tagging is limited to the CreateImage call by ec2:CreateAction.',
    );
    acknowledgeWildcardResources(
      this,
      [executionArns(props.watcher), executionArns(this.announcer)],
      'Execution names are generated per request; DescribeExecution is limited to executions of the watcher and the announcer.',
    );

    this.subscriptions = new Subscriptions(this, 'Subscriptions', {
      bus: props.bus,
      consumer: this.function,
      contracts: SUBSCRIPTIONS.creator,
    });
  }

  private buildAnnouncer(props: CreatorProps): sfn.StateMachine {
    const logGroup = new logs.LogGroup(this, 'AnnouncerLogs', {
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-creator-announcer`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const { definition } = buildAnnouncerDefinition(this, {
      bus: props.bus,
      ledger: props.ledger.table,
    });
    const announcer = new sfn.StateMachine(this, 'Announcer', {
      comment: "Publishes a failed name's AmiFailed once, then marks it published in the ledger",
      stateMachineType: sfn.StateMachineType.STANDARD,
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      // Its retries take about three minutes at most.
      timeout: Duration.hours(1),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    describeResource(announcer, {
      [TEMPLATE_METADATA.service]: 'creator-announcer',
      [TEMPLATE_METADATA.taskStates]: {
        'events:putEvents': [ANNOUNCER_STATES.publish],
        'dynamodb:updateItem': [ANNOUNCER_STATES.recordPublished],
      },
    });
    acknowledge(
      announcer,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray and the CloudWatch Logs delivery actions do not support resource-level permissions.',
    );
    return announcer;
  }
}

/** The deadline of the Watcher construct a state machine belongs to. */
function watcherDeadline(stateMachine: sfn.IStateMachine): Duration {
  const owner = stateMachine.node.scope;
  if (owner instanceof Watcher) return owner.waitDeadline;
  throw new Error(
    `${stateMachine.node.path}: not a Watcher's state machine; give the Creator a waitDeadline`,
  );
}
