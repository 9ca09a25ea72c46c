import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { SUBSCRIPTIONS } from '../../events/catalog';
import { DEPLOY_REASON, TAG } from '../../services/shared/tags';
import { acknowledgeWildcardResources } from '../nag';
import { describeResource, TEMPLATE_METADATA } from '../template-metadata';
import { ec2ResourceArns } from './ec2-arns';
import { ServiceFunction } from './service-function';
import { Subscriptions } from './subscriptions';

export interface JanitorProps {
  readonly bus: events.IEventBus;
  readonly retentionDays: number;
  readonly keepLatest: number;
  readonly dryRun: boolean;
  readonly maxDeletionsPerRun: number;
  readonly deregisterRatePerSecond: number;
  /** EventBridge schedule expression of the daily sweep. */
  readonly schedule: string;
  readonly logRetention: logs.RetentionDays;
}

/**
 * Purges expired deploy AMIs with their snapshots: for one name after its new AMI is available,
 * for every name on a schedule, and on AmiPurgeRequested (operators, and its own continuations).
 * It can only deregister images and delete snapshots tagged Reason=Deploy.
 */
export class Janitor extends Construct {
  readonly function: ServiceFunction;
  readonly subscriptions: Subscriptions;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: JanitorProps) {
    super(scope, id);
    this.function = new ServiceFunction(this, 'Service', {
      service: 'janitor',
      description: 'ami-lifecycle: purges expired Deploy AMIs and their snapshots → AmiPurged',
      environment: {
        EVENT_BUS_NAME: props.bus.eventBusName,
        RETENTION_DAYS: String(props.retentionDays),
        KEEP_LATEST: String(props.keepLatest),
        DRY_RUN: String(props.dryRun),
        MAX_DELETIONS_PER_RUN: String(props.maxDeletionsPerRun),
        DEREGISTER_RATE_PER_SECOND: String(props.deregisterRatePerSecond),
      },
      // A run that does not fit continues in the next invocation (AmiPurgeRequested).
      timeout: Duration.minutes(5),
      memorySize: 512,
      logRetention: props.logRetention,
      invokedAsynchronously: true,
    });
    const role = this.function.role;

    this.function.grantEc2Describe([
      'DescribeImages',
      'DescribeInstances',
      'DescribeLaunchTemplates',
      'DescribeLaunchTemplateVersions',
      'DescribeSnapshots',
    ]);
    const deployTagged = { StringEquals: { [`aws:ResourceTag/${TAG.reason}`]: DEPLOY_REASON } };
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DeregisterDeployImagesOnly',
        actions: ['ec2:DeregisterImage'],
        resources: [ec2ResourceArns(this, 'image')],
        conditions: deployTagged,
      }),
    );
    // DeregisterImage with DeleteAssociatedSnapshots checks this permission for each snapshot.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DeleteDeploySnapshotsOnly',
        actions: ['ec2:DeleteSnapshot'],
        resources: [ec2ResourceArns(this, 'snapshot')],
        conditions: deployTagged,
      }),
    );
    // A launch template may name its AMI as `resolve:ssm:<parameter>`; the janitor resolves those
    // aliases (ResolveAlias) so an AMI still launched that way is never taken for unused.
    const ssmParameters = Stack.of(this).formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: '*',
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ResolveLaunchTemplateImageAliases',
        actions: ['ssm:GetParameters'],
        resources: [ssmParameters],
      }),
    );
    acknowledgeWildcardResources(
      this,
      [ssmParameters],
      'Launch templates may name their AMI through any Systems Manager parameter; DescribeLaunchTemplateVersions with ResolveAlias reads them to learn which AMIs are in use.',
    );
    props.bus.grantPutEventsTo(role);
    acknowledgeWildcardResources(
      this,
      [ec2ResourceArns(this, 'image'), ec2ResourceArns(this, 'snapshot')],
      'Expired images are found at run time; deregistering and deleting are limited to resources tagged Reason=Deploy by aws:ResourceTag conditions.',
    );

    this.subscriptions = new Subscriptions(this, 'Subscriptions', {
      bus: props.bus,
      consumer: this.function,
      contracts: SUBSCRIPTIONS.janitor,
    });

    // Schedules only run on the default bus; the janitor receives a plain Scheduled Event.
    this.schedule = new events.Rule(this, 'DailySweep', {
      description: 'ami-lifecycle: purge sweep over every instance name',
      schedule: events.Schedule.expression(props.schedule),
      targets: [
        new targets.LambdaFunction(this.function.function, {
          deadLetterQueue: this.subscriptions.deadLetterQueue.queue,
          maxEventAge: Duration.hours(6),
          retryAttempts: 185,
        }),
      ],
    });
    describeResource(this.schedule, { [TEMPLATE_METADATA.schedule]: { service: 'janitor' } });
  }
}
