import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { SUBSCRIPTIONS } from '../events/catalog';
import { Api } from './constructs/api';
import { Creator } from './constructs/creator';
import { AmiEventBus } from './constructs/event-bus';
import { Janitor } from './constructs/janitor';
import { Monitoring } from './constructs/monitoring';
import { Notifier } from './constructs/notifier';
import { RequestLedger } from './constructs/request-ledger';
import { EventSchemaRegistry } from './constructs/schema-registry';
import { UnroutableEvents } from './constructs/unroutable-events';
import { Watcher } from './constructs/watcher';
import type { Settings } from './settings';

export interface AmiLifecycleStackProps extends StackProps {
  readonly settings: Settings;
}

/**
 * The whole system in one environment-agnostic stack: the bus, the four services, the watcher
 * state machine, schemas, alarms and a dashboard.
 */
export class AmiLifecycleStack extends Stack {
  constructor(scope: Construct, id: string, props: AmiLifecycleStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const logRetention = settings.logRetentionDays as logs.RetentionDays;

    const eventBus = new AmiEventBus(this, 'Events', {
      publisherAccounts: settings.publisherAccounts,
      publisherOrganizationId: settings.publisherOrganizationId,
      subscriberAccounts: settings.subscriberAccounts,
      archiveRetention: Duration.days(settings.archiveRetentionDays),
    });
    const { bus } = eventBus;
    new EventSchemaRegistry(this, 'Schemas', { registryName: `${this.stackName}-events` });

    const ledger = new RequestLedger(this, 'Requests');
    const watcher = new Watcher(this, 'Watcher', {
      bus,
      ledger,
      latestParameterPrefix: settings.latestAmiParameterPrefix,
      pollInterval: Duration.seconds(settings.pollIntervalSeconds),
      waitDeadline: Duration.minutes(settings.waitDeadlineMinutes),
      maxConcurrency: settings.watcherConcurrency,
      logRetention,
    });
    const api = new Api(this, 'Api', {
      bus,
      ledger,
      authorization: settings.apiAuthorization,
      rateLimit: settings.apiRateLimit,
      burstLimit: settings.apiBurstLimit,
      createCloudWatchRole: settings.apiGatewayCloudWatchRole,
      logRetention,
    });
    const creator = new Creator(this, 'Creator', {
      bus,
      watcher: watcher.stateMachine,
      ledger,
      timeZone: settings.timeZone,
      noReboot: settings.noReboot,
      allowReboot: settings.allowReboot,
      createConcurrency: settings.createConcurrency,
      logRetention,
    });
    const notifier = new Notifier(this, 'Notifier', {
      bus,
      webhookSecretName: settings.webhookSecretName,
      webhookFormat: settings.webhookFormat,
      webhookTimeoutMs: settings.webhookTimeoutMs,
      webhookRetryBudgetMs: settings.webhookRetryBudgetMs,
      notificationRetryHours: settings.notificationRetryHours,
      logRetention,
    });
    const janitor = new Janitor(this, 'Janitor', {
      bus,
      retentionDays: settings.retentionDays,
      keepLatest: settings.keepLatest,
      dryRun: settings.dryRun,
      maxDeletionsPerRun: settings.maxDeletionsPerRun,
      deregisterRatePerSecond: settings.deregisterRatePerSecond,
      schedule: settings.janitorSchedule,
      launchTemplateVersionDepth: settings.launchTemplateVersionDepth,
      purgeSharedImages: settings.purgeSharedImages,
      ssmParameterPrefix: settings.ssmParameterPrefix,
      logRetention,
    });
    // Every role that publishes with an `ami-lifecycle.*` source; the bus denies those to others.
    eventBus.allowOwnSourcesOnlyFrom([
      api.function.role,
      creator.function.role,
      janitor.function.role,
      watcher.stateMachine.role,
    ]);
    // Events of ours that no subscription above accepts go to dead letters, not nowhere.
    new UnroutableEvents(this, 'UnroutableEvents', { bus, subscriptions: SUBSCRIPTIONS });
    // Last: it collects the dead-letter queues and functions created above.
    new Monitoring(this, 'Monitoring', {
      watcher: watcher.stateMachine,
      wakeUp: watcher.wakeUp,
      purgeRun: janitor.purgeRun,
      announcer: creator.announcer,
      alarmTopicArn: settings.alarmTopicArn,
    });

    new CfnOutput(this, 'CreateAmiUrl', {
      description:
        'POST {"instance_name_list": [...]} here (SigV4-signed unless configured otherwise)',
      value: api.createAmiUrl,
    });
    new CfnOutput(this, 'EventBusName', { value: bus.eventBusName });
    new CfnOutput(this, 'EventBusArn', {
      description: 'Put AmiRequested here; subscribe to AmiAvailable here',
      value: bus.eventBusArn,
    });
    new CfnOutput(this, 'WatcherStateMachineArn', { value: watcher.stateMachine.stateMachineArn });
    new CfnOutput(this, 'PurgeRunStateMachineArn', {
      description: 'Purge runs, one execution per run (named by run id)',
      value: janitor.purgeRun.stateMachineArn,
    });
    new CfnOutput(this, 'WebhookSecretArn', {
      description: 'Put the webhook targets here (JSON array of {url, format, secret?, events?})',
      value: notifier.webhookSecret.secretArn,
    });
    if (api.apiKey !== undefined) {
      new CfnOutput(this, 'ApiKeyId', {
        description: 'aws apigateway get-api-key --include-value --api-key <id>',
        value: api.apiKey.keyId,
      });
    }
  }
}
