import { Duration, RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { SUBSCRIPTIONS } from '../../events/catalog';
import { acknowledge } from '../nag';
import { ServiceFunction } from './service-function';
import { Subscriptions } from './subscriptions';

export interface NotifierProps {
  readonly bus: events.IEventBus;
  /** An existing secret; absent, the stack creates one holding no targets (`[]`). */
  readonly webhookSecretName?: string;
  readonly webhookFormat: string;
  readonly webhookTimeoutMs: number;
  readonly webhookRetryBudgetMs: number;
  readonly logRetention: logs.RetentionDays;
}

/**
 * AmiAvailable, AmiFailed, AmiPurged → webhooks. Webhook URLs are credentials, so they live in a
 * Secrets Manager secret the function reads at run time, never in the template or the environment.
 */
export class Notifier extends Construct {
  readonly function: ServiceFunction;
  readonly subscriptions: Subscriptions;
  readonly webhookSecret: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: NotifierProps) {
    super(scope, id);
    this.webhookSecret =
      props.webhookSecretName === undefined
        ? this.createEmptyWebhookSecret()
        : secretsmanager.Secret.fromSecretNameV2(this, 'WebhookSecret', props.webhookSecretName);

    this.function = new ServiceFunction(this, 'Service', {
      service: 'notifier',
      description: 'ami-lifecycle: AmiAvailable/AmiFailed/AmiPurged → webhooks',
      environment: {
        WEBHOOK_SECRET_ARN: this.webhookSecret.secretArn,
        WEBHOOK_FORMAT: props.webhookFormat,
        WEBHOOK_TIMEOUT_MS: String(props.webhookTimeoutMs),
        WEBHOOK_RETRY_BUDGET_MS: String(props.webhookRetryBudgetMs),
      },
      // The retry budget, plus one last request and the secret lookup.
      timeout: Duration.seconds(
        Math.ceil((props.webhookRetryBudgetMs + props.webhookTimeoutMs) / 1000) + 15,
      ),
      logRetention: props.logRetention,
      invokedAsynchronously: true,
    });
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
