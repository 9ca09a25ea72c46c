import { Duration, RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SUBSCRIPTIONS } from '../../events/catalog';
import { DELIVERY_KEYS } from '../../services/notifier/delivery-ledger';
import { maxReceivesWithin } from '../../services/notifier/retry-delay';
import { acknowledge } from '../nag';
import { describeResource, TEMPLATE_METADATA } from '../template-metadata';
import { DeadLetterQueue } from './dead-letter-queue';
import { ServiceFunction } from './service-function';
import { Subscriptions } from './subscriptions';

/** Notifications in one invocation: they are delivered in parallel. */
const BATCH_SIZE = 10;
/** SQS's limit of a redrive policy's receive count. */
const MAX_RECEIVE_COUNT = 1_000;
/** SQS keeps a message 14 days at most. */
const MAX_RETENTION = Duration.days(14);

export interface NotifierProps {
  readonly bus: events.IEventBus;
  /** An existing secret; absent, the stack creates one holding no targets (`[]`). */
  readonly webhookSecretName?: string;
  readonly webhookFormat: string;
  readonly webhookTimeoutMs: number;
  readonly webhookRetryBudgetMs: number;
  /** How long a notification whose webhook keeps failing is retried before it is dead-lettered. */
  readonly notificationRetryHours: number;
  readonly logRetention: logs.RetentionDays;
}

/**
 * AmiAvailable, AmiFailed, AmiPurged → a queue → webhooks. The queue outlives a webhook outage: the
 * function hands a failing notification back with a growing visibility timeout for the retry
 * window, then dead-letters it with the reason. A table records which target got which event, so
 * a retry posts only to the targets still missing it. Webhook URLs are credentials, so they live
 * in a Secrets Manager secret the function reads at run time, never in the template.
 */
export class Notifier extends Construct {
  readonly function: ServiceFunction;
  readonly subscriptions: Subscriptions;
  readonly webhookSecret: secretsmanager.ISecret;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: DeadLetterQueue;
  readonly deliveries: dynamodb.Table;

  constructor(scope: Construct, id: string, props: NotifierProps) {
    super(scope, id);
    this.webhookSecret =
      props.webhookSecretName === undefined
        ? this.createEmptyWebhookSecret()
        : secretsmanager.Secret.fromSecretNameV2(this, 'WebhookSecret', props.webhookSecretName);

    this.deadLetterQueue = new DeadLetterQueue(this, 'UndeliveredNotifications', {
      purpose:
        'notifier: notifications a webhook refused (4xx) or that failed for the whole retry window (reason in the message attribute)',
    });
    // Retry window + function timeout: a notification is never lost to retention mid-window.
    const retryWindow = Duration.hours(props.notificationRetryHours);
    const functionTimeout = Duration.seconds(
      Math.ceil((props.webhookRetryBudgetMs + props.webhookTimeoutMs) / 1000) + 15,
    );
    this.queue = new sqs.Queue(this, 'Notifications', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.seconds(
        Math.min(MAX_RETENTION.toSeconds(), retryWindow.toSeconds() + Duration.days(1).toSeconds()),
      ),
      // AWS advises six times the function timeout for an event source mapping.
      visibilityTimeout: Duration.seconds(functionTimeout.toSeconds() * 6),
      deadLetterQueue: {
        queue: this.deadLetterQueue.queue,
        // A backstop for messages that crash the function every time: the function itself
        // dead-letters, with the reason, what outlives the window; this lets through twice the
        // receives a window can hold.
        maxReceiveCount: Math.min(
          MAX_RECEIVE_COUNT,
          2 * maxReceivesWithin(retryWindow.toSeconds()),
        ),
      },
    });
    describeResource(this.queue, { [TEMPLATE_METADATA.role]: 'notifications' });

    this.deliveries = new dynamodb.Table(this, 'Deliveries', {
      partitionKey: { name: DELIVERY_KEYS.partition, type: dynamodb.AttributeType.STRING },
      sortKey: { name: DELIVERY_KEYS.sort, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Records of deliveries past; a new stack starts with none to skip.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    describeResource(this.deliveries, { [TEMPLATE_METADATA.role]: 'webhook-deliveries' });

    this.function = new ServiceFunction(this, 'Service', {
      service: 'notifier',
      description: 'ami-lifecycle: AmiAvailable/AmiFailed/AmiPurged → webhooks',
      environment: {
        WEBHOOK_SECRET_ARN: this.webhookSecret.secretArn,
        WEBHOOK_FORMAT: props.webhookFormat,
        WEBHOOK_TIMEOUT_MS: String(props.webhookTimeoutMs),
        WEBHOOK_RETRY_BUDGET_MS: String(props.webhookRetryBudgetMs),
        NOTIFICATION_QUEUE_URL: this.queue.queueUrl,
        NOTIFICATION_DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queue.queueUrl,
        NOTIFICATION_RETRY_HOURS: String(props.notificationRetryHours),
        DELIVERY_TABLE_NAME: this.deliveries.tableName,
      },
      // The retry budget, plus one last request and the secret lookup.
      timeout: functionTimeout,
      logRetention: props.logRetention,
      // The queue's own retries and dead-letter queue take the place of Lambda's.
      invokedAsynchronously: false,
    });
    this.function.function.addEventSource(
      new SqsEventSource(this.queue, { batchSize: BATCH_SIZE, reportBatchItemFailures: true }),
    );
    // The event source grants receiving and deleting; the backoff changes visibility itself.
    this.queue.grant(this.function.role, 'sqs:ChangeMessageVisibility');
    this.deadLetterQueue.queue.grantSendMessages(this.function.role);
    this.deliveries.grant(
      this.function.role,
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
    );
    this.function.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadWebhookTargets',
        actions: ['secretsmanager:GetSecretValue'],
        // A secret named (not created) here is known only by its partial ARN: match its suffix.
        resources: [this.webhookSecret.secretFullArn ?? `${this.webhookSecret.secretArn}-??????`],
      }),
    );

    // An AmiAvailable is announced only once EC2 shows the image as ours and available.
    this.function.grantEc2Describe(['DescribeImages']);

    this.subscriptions = new Subscriptions(this, 'Subscriptions', {
      bus: props.bus,
      consumer: this.function,
      contracts: SUBSCRIPTIONS.notifier,
      queue: this.queue,
    });
  }

  private createEmptyWebhookSecret(): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'WebhookSecret', {
      description:
        'ami-lifecycle webhook targets: a JSON array of {"url", "format", "secret"?, "events"?}',
      // Not sensitive: an empty list, replaced by the operator after deployment.
      secretStringValue: SecretValue.unsafePlainText('[]'),
      // The operator's URLs outlive the stack: a redeploy after a teardown should not lose them.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      secret,
      'AwsSolutions-SMG4',
      'Webhook URLs are issued by the chat service and cannot be rotated by a Lambda; operators replace them there and here.',
    );
    return secret;
  }
}
