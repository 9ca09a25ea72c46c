import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { SUBSCRIPTIONS } from '../../events/catalog';
import { JOURNAL_KEYS } from '../../services/janitor/deletion-journal';
import { DEPLOY_REASON, TAG } from '../../services/shared/tags';
import { buildPurgeRunDefinition, PURGE_RUN_STATES } from '../janitor/purge-run-definition';
import { acknowledge, acknowledgeWildcardResources } from '../nag';
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
  readonly launchTemplateVersionDepth: number;
  readonly purgeSharedImages: boolean;
  /** Where the fallback in-use check may read SSM parameters; IAM is limited to it. */
  readonly ssmParameterPrefix: string;
  readonly logRetention: logs.RetentionDays;
}

/**
 * Purges expired deploy AMIs with their snapshots: for one name after its new AMI is available,
 * for every name on a schedule, and on AmiPurgeRequested. Those triggers only start a purge run,
 * a Standard execution of the purge-run state machine whose batches the same function runs. It can
 * only deregister images and delete snapshots tagged Reason=Deploy.
 */
export class Janitor extends Construct {
  readonly function: ServiceFunction;
  readonly subscriptions: Subscriptions;
  readonly schedule: events.Rule;
  /** Claimed deletions of each run, and the lock that keeps runs from overlapping. */
  readonly journal: dynamodb.Table;
  readonly purgeRun: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: JanitorProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.journal = new dynamodb.Table(this, 'Journal', {
      partitionKey: { name: JOURNAL_KEYS.partition, type: dynamodb.AttributeType.STRING },
      sortKey: { name: JOURNAL_KEYS.sort, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    describeResource(this.journal, { [TEMPLATE_METADATA.role]: 'purge-journal' });
    // Named, so the function can be told its ARN without a reference cycle (the state machine
    // invokes the function; the function starts the state machine).
    const purgeRunName = `${stack.stackName}-purge-run`;
    const purgeRunArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      resourceName: purgeRunName,
    });

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
        JOURNAL_TABLE_NAME: this.journal.tableName,
        PURGE_RUN_STATE_MACHINE_ARN: purgeRunArn,
        SSM_PARAMETER_PREFIX: props.ssmParameterPrefix,
        LAUNCH_TEMPLATE_VERSION_DEPTH: String(props.launchTemplateVersionDepth),
        PURGE_SHARED_IMAGES: String(props.purgeSharedImages),
      },
      // One batch of a run per invocation; the run's state machine invokes the next.
      timeout: Duration.minutes(5),
      memorySize: 512,
      logRetention: props.logRetention,
      invokedAsynchronously: true,
    });
    const role = this.function.role;

    this.function.grantEc2Describe([
      'DescribeImages',
      'DescribeImageReferences',
      'DescribeImageAttribute',
      'DescribeInstances',
      'DescribeLaunchTemplates',
      'DescribeLaunchTemplateVersions',
    ]);
    this.journal.grant(
      role,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:Query',
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'StartPurgeRuns',
        actions: ['states:StartExecution'],
        resources: [purgeRunArn],
      }),
    );
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
    // Launch templates may name their AMI as `resolve:ssm:<parameter>`: resolving those aliases,
    // and the fallback in-use check, read parameters under the configured prefix only.
    const ssmParameters = stack.formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: `${props.ssmParameterPrefix.replace(/^\/+/, '')}*`,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadImageParameters',
        actions: ['ssm:GetParameters', 'ssm:GetParametersByPath'],
        resources: [ssmParameters],
      }),
    );
    acknowledgeWildcardResources(
      this,
      [ssmParameters],
      'Parameters that name AMIs are found under the configured prefix at run time; reading is limited to that prefix.',
    );
    // DescribeImageReferences reads these on the janitor's behalf (aws:CalledVia ec2-images):
    // parameters under the prefix, and Image Builder recipes, which it lists account-wide.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ImageReferencesReadParameters',
        actions: ['ssm:GetParameters'],
        resources: [ssmParameters],
        conditions: {
          'ForAnyValue:StringEquals': { 'aws:CalledVia': ['ec2-images.amazonaws.com'] },
        },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ImageReferencesListResources',
        actions: [
          'ssm:DescribeParameters',
          'imagebuilder:ListImageRecipes',
          'imagebuilder:ListContainerRecipes',
          'imagebuilder:GetContainerRecipe',
        ],
        resources: ['*'],
        conditions: {
          'ForAnyValue:StringEquals': { 'aws:CalledVia': ['ec2-images.amazonaws.com'] },
        },
      }),
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

    this.purgeRun = this.buildPurgeRun(purgeRunName, props.logRetention);
  }

  private buildPurgeRun(name: string, logRetention: logs.RetentionDays): sfn.StateMachine {
    const logGroup = new logs.LogGroup(this, 'PurgeRunLogs', {
      logGroupName: `/aws/vendedlogs/states/${name}`,
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const purgeRun = new sfn.StateMachine(this, 'PurgeRun', {
      stateMachineName: name,
      comment: 'One purge run: takes the run lock, purges batch by batch, releases the lock',
      stateMachineType: sfn.StateMachineType.STANDARD,
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      definitionBody: sfn.DefinitionBody.fromChainable(
        buildPurgeRunDefinition(this, { janitor: this.function.function }),
      ),
      // A run waits at most 12 hours for the lock, then purges; a day bounds both.
      timeout: Duration.days(1),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    acknowledge(
      purgeRun,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray and the CloudWatch Logs delivery actions do not support resource-level permissions.',
    );
    acknowledgeWildcardResources(
      purgeRun,
      [`${this.function.function.functionArn}:*`],
      'Invoking the janitor function, any of its versions, is all the purge run does.',
    );
    describeResource(purgeRun, {
      [TEMPLATE_METADATA.service]: 'purge-run',
      [TEMPLATE_METADATA.taskStates]: {
        'lambda:invoke': [
          PURGE_RUN_STATES.begin,
          PURGE_RUN_STATES.batch,
          PURGE_RUN_STATES.end,
          PURGE_RUN_STATES.endAfterFailure,
        ],
      },
    });
    return purgeRun;
  }
}
