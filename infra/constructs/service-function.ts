import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../services/shared/observability';
import { acknowledge, acknowledgeWildcardResources } from '../nag';
import { describeResource, TEMPLATE_METADATA } from '../template-metadata';
import { DeadLetterQueue } from './dead-letter-queue';
import { type FunctionBundling, functionBundling } from './function-bundling';

export const SERVICE_NAMES = ['api', 'creator', 'notifier', 'janitor'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

/** Async invocations (EventBridge targets) retry twice, then land in the dead-letter queue. */
const ASYNC_RETRY_ATTEMPTS = 2;
const ASYNC_MAX_EVENT_AGE = Duration.hours(6);

export interface ServiceFunctionProps {
  readonly service: ServiceName;
  readonly description: string;
  /** The service's own variables; the Powertools and Node.js ones are added here. */
  readonly environment: Record<string, string>;
  readonly timeout: Duration;
  readonly memorySize?: number;
  readonly logRetention: logs.RetentionDays;
  /** True when the function is invoked asynchronously (by EventBridge). */
  readonly invokedAsynchronously: boolean;
}

/**
 * The one way this app builds a Lambda function: `services/<service>/handler.ts` bundled by esbuild
 * into minified ESM with source maps, Node.js 24 on arm64, X-Ray tracing, its own log group with a
 * retention, and a role that starts with nothing but writing to that log group. Functions invoked
 * asynchronously retry, then keep the failed event and its error in an encrypted dead-letter queue.
 */
export class ServiceFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly service: ServiceName;
  readonly deadLetterQueue?: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    this.service = props.service;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // No AWSLambdaBasicExecutionRole: it would allow writing to every log group in the account.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `ami-lifecycle ${props.service} function`,
    });
    this.logGroup.grantWrite(this.role);

    if (props.invokedAsynchronously) {
      this.deadLetterQueue = new DeadLetterQueue(this, 'FailedInvocations', {
        purpose: `${props.service}: invocations that failed after retries (with the error)`,
      });
    }

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: join(PROJECT_ROOT, 'services', props.service, 'handler.ts'),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      role: this.role,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.service,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: cdkBundling(functionBundling(PROJECT_ROOT)),
      ...(this.deadLetterQueue && {
        retryAttempts: ASYNC_RETRY_ATTEMPTS,
        maxEventAge: ASYNC_MAX_EVENT_AGE,
        // A destination (not a plain DLQ) records the error message next to the event.
        onFailure: new SqsDestination(this.deadLetterQueue.queue),
      }),
    });
    describeResource(this.function, { [TEMPLATE_METADATA.service]: props.service });

    acknowledgeWildcardResources(
      this,
      [`${this.logGroup.logGroupArn}:*`],
      "Log streams get generated names; writing is granted on this function's own log group only.",
    );
    acknowledge(
      this,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray PutTraceSegments/PutTelemetryRecords and EC2 Describe* do not support resource-level permissions.',
    );
  }

  /** Grants EC2 Describe* actions, which EC2 cannot scope to resources (they only read). */
  grantEc2Describe(actions: readonly string[]): void {
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'Ec2Describe',
        actions: actions.map((action) => `ec2:${action}`),
        resources: ['*'],
      }),
    );
  }
}

/** The shared esbuild options, as NodejsFunction takes them. */
function cdkBundling(bundling: FunctionBundling): nodejs.BundlingOptions {
  return {
    format: nodejs.OutputFormat.ESM,
    target: bundling.target,
    platform: bundling.platform,
    minify: bundling.minify,
    sourceMap: bundling.sourcemap,
    sourcesContent: bundling.sourcesContent,
    mainFields: [...bundling.mainFields],
    // Bundle the AWS SDK too: the versions tested are the versions deployed.
    externalModules: [],
    esbuildArgs: Object.fromEntries(
      Object.entries(bundling.alias).map(([module, path]) => [`--alias:${module}`, path]),
    ),
    banner: bundling.banner,
  };
}
