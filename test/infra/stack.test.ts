import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { EVENT_CONTRACTS, SUBSCRIPTIONS, schemaFileName } from '../../events/catalog';
import { Creator } from '../../infra/constructs/creator';
import { RequestLedger } from '../../infra/constructs/request-ledger';
import { templateOnlyApp } from '../../infra/local/template/synthesize-template';
import { TEMPLATE_METADATA } from '../../infra/template-metadata';
import { WATCHER_MAP_LABEL } from '../../infra/watcher/definition';
import { temporaryFolder } from '../tools';
import { synthesize } from './synthesize';
import {
  type CfnResourceJson,
  type CfnTemplate,
  fakeRefs,
  propertyOf,
  resolveIntrinsics,
  resourcesWithMetadata,
  templateJson,
} from './template';

const { template } = synthesize();
const json = templateJson(template);
const refs = fakeRefs(json);

function serviceFunction(cfn: CfnTemplate, service: string): [string, CfnResourceJson] {
  const found = resourcesWithMetadata(cfn, 'AWS::Lambda::Function', TEMPLATE_METADATA.service).find(
    ([, resource]) => resource.Metadata?.[TEMPLATE_METADATA.service] === service,
  );
  if (found === undefined) throw new Error(`no ${service} function`);
  return found;
}

function environmentOf(cfn: CfnTemplate, service: string): Record<string, unknown> {
  const [, fn] = serviceFunction(cfn, service);
  const variables = propertyOf<{ Variables: object }>(fn, 'Environment').Variables;
  return resolveIntrinsics(variables, fakeRefs(cfn)) as Record<string, unknown>;
}

/** Every policy statement attached to the role of a function. */
function statementsOf(cfn: CfnTemplate, roleLogicalId: unknown) {
  return Object.values(cfn.Resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((policy) =>
      propertyOf<unknown[]>(policy, 'Roles').some(
        (role) => JSON.stringify(role) === JSON.stringify(roleLogicalId),
      ),
    )
    .flatMap(
      (policy) =>
        propertyOf<{ Statement: Record<string, unknown>[] }>(policy, 'PolicyDocument').Statement,
    )
    .map((statement) => resolveIntrinsics(statement, refs) as Record<string, unknown>);
}

function roleStatements(service: string) {
  const [, fn] = serviceFunction(json, service);
  const role = propertyOf<{ 'Fn::GetAtt': [string, string] }>(fn, 'Role')['Fn::GetAtt'][0];
  return statementsOf(json, { Ref: role });
}

const actionsOf = (statements: Record<string, unknown>[]) =>
  statements.flatMap((statement) => [statement.Action].flat().map(String)).sort();

const COMMON_ENVIRONMENT = {
  POWERTOOLS_METRICS_NAMESPACE: 'AmiLifecycle',
  NODE_OPTIONS: '--enable-source-maps',
};

describe('service functions', () => {
  it.each(['api', 'creator', 'notifier', 'janitor'])(
    'should run the %s handler on Node.js 24, arm64, traced, with its own log group',
    (service) => {
      const [logicalId, fn] = serviceFunction(json, service);
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Handler: 'index.handler',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } },
      });
      const logGroupId = propertyOf<{ LogGroup: { Ref: string } }>(fn, 'LoggingConfig').LogGroup
        .Ref;
      expect(json.Resources[logGroupId]?.Properties).toMatchObject({ RetentionInDays: 30 });
      expect(logicalId).toMatch(new RegExp(`^${service[0]?.toUpperCase()}${service.slice(1)}`));
    },
  );

  it('should give each function exactly the environment its service reads', () => {
    expect(environmentOf(json, 'api')).toEqual({
      ...COMMON_ENVIRONMENT,
      POWERTOOLS_SERVICE_NAME: 'api',
      EVENT_BUS_NAME: 'EventsBus45DE4339',
      LEDGER_TABLE_NAME: expect.stringMatching(/^RequestsTable/),
    });
    expect(environmentOf(json, 'creator')).toEqual({
      ...COMMON_ENVIRONMENT,
      POWERTOOLS_SERVICE_NAME: 'creator',
      EVENT_BUS_NAME: 'EventsBus45DE4339',
      LEDGER_TABLE_NAME: expect.stringMatching(/^RequestsTable/),
      STATE_MACHINE_ARN: expect.stringMatching(/^arn:aws:states:.+:stateMachine:Watcher/),
      ANNOUNCER_STATE_MACHINE_ARN: expect.stringMatching(
        /^arn:aws:states:.+:stateMachine:CreatorAnnouncer/,
      ),
      TIME_ZONE: 'UTC',
      NO_REBOOT: 'true',
      ALLOW_REBOOT: 'false',
      CREATE_CONCURRENCY: '4',
      WAIT_DEADLINE_MINUTES: '360',
    });
    expect(environmentOf(json, 'notifier')).toEqual({
      ...COMMON_ENVIRONMENT,
      POWERTOOLS_SERVICE_NAME: 'notifier',
      WEBHOOK_SECRET_ARN: expect.stringMatching(
        /^arn:aws:secretsmanager:.+:secret:NotifierWebhookSecret/,
      ),
      WEBHOOK_FORMAT: 'jandi',
      WEBHOOK_TIMEOUT_MS: '5000',
      WEBHOOK_RETRY_BUDGET_MS: '20000',
      NOTIFICATION_QUEUE_URL: expect.stringMatching(/^NotifierNotifications/),
      NOTIFICATION_DEAD_LETTER_QUEUE_URL: expect.stringMatching(
        /^NotifierUndeliveredNotifications/,
      ),
      NOTIFICATION_RETRY_HOURS: '24',
      DELIVERY_TABLE_NAME: expect.stringMatching(/^NotifierDeliveries/),
    });
    expect(environmentOf(json, 'janitor')).toEqual({
      ...COMMON_ENVIRONMENT,
      POWERTOOLS_SERVICE_NAME: 'janitor',
      EVENT_BUS_NAME: 'EventsBus45DE4339',
      RETENTION_DAYS: '14',
      KEEP_LATEST: '1',
      DRY_RUN: 'false',
      MAX_DELETIONS_PER_RUN: '50',
      DEREGISTER_RATE_PER_SECOND: '5',
      JOURNAL_TABLE_NAME: expect.stringMatching(/^JanitorJournal/),
      PURGE_RUN_STATE_MACHINE_ARN: expect.stringMatching(/:stateMachine:AmiLifecycle-purge-run$/),
      SSM_PARAMETER_PREFIX: '/',
      LAUNCH_TEMPLATE_VERSION_DEPTH: '10000',
      PURGE_SHARED_IMAGES: 'false',
    });
  });

  it('should carry the settings into the environment', () => {
    const custom = templateJson(
      synthesize({
        retentionDays: 30,
        keepLatest: 2,
        dryRun: true,
        timeZone: 'Asia/Seoul',
        noReboot: false,
        allowReboot: true,
        waitDeadlineMinutes: 90,
        webhookSecretName: 'ops/ami-webhooks',
        webhookFormat: 'slack',
      }).template,
    );
    expect(environmentOf(custom, 'janitor')).toMatchObject({
      RETENTION_DAYS: '30',
      KEEP_LATEST: '2',
      DRY_RUN: 'true',
    });
    expect(environmentOf(custom, 'creator')).toMatchObject({
      TIME_ZONE: 'Asia/Seoul',
      NO_REBOOT: 'false',
      ALLOW_REBOOT: 'true',
      WAIT_DEADLINE_MINUTES: '90',
    });
    expect(environmentOf(custom, 'notifier')).toMatchObject({
      WEBHOOK_SECRET_ARN:
        'arn:aws:secretsmanager:ap-northeast-2:111122223333:secret:ops/ami-webhooks',
      WEBHOOK_FORMAT: 'slack',
    });
  });

  it('should take the deadline the creator stamps from the watcher it starts, or be told it', () => {
    const app = templateOnlyApp(temporaryFolder('cdk.out'));
    const stack = new Stack(app, 'Elsewhere', {
      env: { account: '111122223333', region: 'ap-northeast-2' },
    });
    const bus = new events.EventBus(stack, 'Bus');
    const watcher = sfn.StateMachine.fromStateMachineArn(
      stack,
      'Imported',
      'arn:aws:states:ap-northeast-2:111122223333:stateMachine:watcher',
    );
    const props = {
      bus,
      watcher,
      ledger: new RequestLedger(stack, 'Requests'),
      timeZone: 'UTC',
      noReboot: true,
      allowReboot: false,
      createConcurrency: 4,
      logRetention: 30,
    };

    // Nothing to read the deadline from: refusing beats guessing one the watcher does not share.
    expect(() => new Creator(stack, 'Unsure', props)).toThrow(/give the Creator a waitDeadline/);
    new Creator(stack, 'Told', { ...props, waitDeadline: Duration.hours(2) });
    expect(environmentOf(templateJson(Template.fromStack(stack)), 'creator')).toMatchObject({
      WAIT_DEADLINE_MINUTES: '120',
    });
  });

  it('should never put a webhook URL in the template', () => {
    expect(JSON.stringify(json)).not.toMatch(/WEBHOOK_URL|hooks\.slack|wh\.jandi/);
  });

  // The notifier reads a queue instead (test/infra/notifier-queue.test.ts).
  it.each(['creator', 'janitor'])(
    'should retry failed asynchronous %s invocations, then keep them in an encrypted queue',
    (service) => {
      const [logicalId] = serviceFunction(json, service);
      const config = Object.values(json.Resources).find(
        (resource) =>
          resource.Type === 'AWS::Lambda::EventInvokeConfig' &&
          JSON.stringify(resource.Properties?.FunctionName) === JSON.stringify({ Ref: logicalId }),
      );
      expect(config?.Properties).toMatchObject({
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 21600,
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } },
        },
      });
      const queueId = propertyOf<{ OnFailure: { Destination: { 'Fn::GetAtt': string[] } } }>(
        config,
        'DestinationConfig',
      ).OnFailure.Destination['Fn::GetAtt'][0] as string;
      expect(json.Resources[queueId]).toMatchObject({
        Type: 'AWS::SQS::Queue',
        Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 },
      });
    },
  );
});

describe('event bus and rules', () => {
  it('should archive every event on the custom bus', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': ['EventsBus45DE4339', 'Arn'] },
      EventPattern: { source: [{ prefix: '' }] },
      RetentionDays: 30,
    });
    expect(
      resourcesWithMetadata(json, 'AWS::Events::EventBus', TEMPLATE_METADATA.role),
    ).toHaveLength(1);
  });

  const subscriptions = Object.entries(SUBSCRIPTIONS).flatMap(([service, contracts]) =>
    contracts.map((contract) => [service, contract.detailType, contract] as const),
  );

  it.each(subscriptions)(
    'should route %s its %s events with the contract pattern, retries and a dead-letter queue',
    (service, detailType, contract) => {
      const rules = resourcesWithMetadata(json, 'AWS::Events::Rule', TEMPLATE_METADATA.subscription)
        .map(([, rule]) => rule)
        .filter((rule) => {
          const subscription = rule.Metadata?.[TEMPLATE_METADATA.subscription] as {
            service: string;
            detailType: string;
          };
          return subscription.service === service && subscription.detailType === detailType;
        });
      expect(rules).toHaveLength(1);
      const [functionId] = serviceFunction(json, service);
      // The notifier's events wait in its queue (test/infra/notifier-queue.test.ts).
      const [[queueId] = []] = resourcesWithMetadata(
        json,
        'AWS::SQS::Queue',
        TEMPLATE_METADATA.role,
      ).filter(([, queue]) => queue.Metadata?.[TEMPLATE_METADATA.role] === 'notifications');
      expect(rules[0]?.Properties).toMatchObject({
        EventBusName: { Ref: 'EventsBus45DE4339' },
        EventPattern: contract.pattern,
        Targets: [
          {
            Arn: { 'Fn::GetAtt': [service === 'notifier' ? queueId : functionId, 'Arn'] },
            RetryPolicy: { MaximumEventAgeInSeconds: 21600, MaximumRetryAttempts: 185 },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } },
          },
        ],
      });
    },
  );

  it('should have one rule per subscription and no other rule on the bus but the refusals', () => {
    const onBus = Object.values(json.Resources).filter(
      (resource) => resource.Type === 'AWS::Events::Rule' && resource.Properties?.EventBusName,
    );
    // Refusals dead-letter what no subscription accepts (test/infra/unroutable-events.test.ts).
    const refusals = onBus.filter((rule) =>
      String(rule.Properties?.Description).includes('that no versioned rule accepts'),
    );
    expect(onBus.length - refusals.length).toBe(subscriptions.length);
  });

  it('should sweep daily with a scheduled event to the janitor', () => {
    const [[, rule] = []] = resourcesWithMetadata(
      json,
      'AWS::Events::Rule',
      TEMPLATE_METADATA.schedule,
    );
    const [janitorId] = serviceFunction(json, 'janitor');
    expect(rule?.Properties).toMatchObject({
      ScheduleExpression: 'cron(0 3 * * ? *)',
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [janitorId, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 185 },
          DeadLetterConfig: { Arn: expect.anything() },
        },
      ],
    });
    expect(rule?.Properties?.EventBusName).toBeUndefined();
    expect(propertyOf<object[]>(rule, 'Targets')[0]).not.toHaveProperty('Input');
  });

  it('should let only this account publish unless publishers are configured', () => {
    // The one statement is the Deny that keeps our own sources to the stack's roles.
    const effects = Object.values(template.findResources('AWS::Events::EventBusPolicy')).map(
      (policy) => policy.Properties.Statement.Effect,
    );
    expect(effects).toEqual(['Deny']);
  });

  it('should let configured accounts put AmiRequested only, and subscribers create AmiAvailable rules only', () => {
    const configured = templateJson(
      synthesize({
        publisherAccounts: '444455556666',
        publisherOrganizationId: 'o-a1b2c3d4e5',
        subscriberAccounts: '777788889999',
      }).template,
    );
    const statements = Object.values(configured.Resources)
      .filter((resource) => resource.Type === 'AWS::Events::EventBusPolicy')
      .map((policy) => resolveIntrinsics(policy.Properties?.Statement, fakeRefs(configured)));
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: 'events:PutEvents',
          Principal: { AWS: 'arn:aws:iam::444455556666:root' },
          Condition: {
            'ForAllValues:StringEquals': { 'events:detail-type': 'AmiRequested' },
            Null: { 'events:detail-type': 'false' },
          },
        }),
        expect.objectContaining({
          Action: 'events:PutEvents',
          Principal: '*',
          Condition: {
            'ForAllValues:StringEquals': { 'events:detail-type': 'AmiRequested' },
            Null: { 'events:detail-type': 'false' },
            StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' },
          },
        }),
        expect.objectContaining({
          Action: 'events:PutRule',
          Principal: { AWS: 'arn:aws:iam::777788889999:root' },
          Resource: expect.stringMatching(/:rule\/EventsBus45DE4339\/\*$/),
          Condition: {
            StringEquals: {
              'events:creatorAccount': '777788889999',
              'events:detail-type': 'AmiAvailable',
            },
          },
        }),
      ]),
    );
  });

  it('should register every checked-in JSON Schema in the schema registry', () => {
    template.resourceCountIs('AWS::EventSchemas::Registry', 1);
    for (const contract of EVENT_CONTRACTS) {
      template.hasResourceProperties('AWS::EventSchemas::Schema', {
        Type: 'JSONSchemaDraft4',
        SchemaName: `ami-lifecycle@${contract.detailType}.v${contract.version}`,
        Content: readFileSync(
          join(import.meta.dirname, '../../events/schemas', schemaFileName(contract)),
          'utf8',
        ),
      });
    }
  });
});

describe('REST API', () => {
  it('should serve POST /create-ami on stage prod with IAM authorisation by default', () => {
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'create-ami' });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      AuthorizationType: 'AWS_IAM',
      RequestValidatorId: { Ref: Match.anyValue() },
      Integration: { Type: 'AWS_PROXY' },
    });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
      MethodSettings: [
        Match.objectLike({
          ThrottlingRateLimit: 5,
          ThrottlingBurstLimit: 10,
          LoggingLevel: 'ERROR',
        }),
      ],
      TracingEnabled: true,
    });
    expect(resolveIntrinsics(json.Outputs?.CreateAmiUrl?.Value, refs)).toBe(
      'https://ApiRestApiE35FEAFE.execute-api.ap-northeast-2.amazonaws.com/prod/create-ami',
    );
    template.hasOutput('EventBusArn', { Value: { 'Fn::GetAtt': ['EventsBus45DE4339', 'Arn'] } });
    template.hasOutput('EventBusName', { Value: { Ref: 'EventsBus45DE4339' } });
  });

  it('should require an API key with a usage plan only when configured', () => {
    const withKey = synthesize({ apiAuthorization: 'api-key' }).template;
    withKey.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      AuthorizationType: 'NONE',
      ApiKeyRequired: true,
    });
    withKey.resourceCountIs('AWS::ApiGateway::UsagePlan', 1);
    withKey.hasOutput('ApiKeyId', {});
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 0);
  });
});

describe('least privilege', () => {
  it('should let the api function only put events on the bus and record and read requests', () => {
    const statements = roleStatements('api').filter((s) => !String(s.Action).startsWith('logs:'));
    expect(statements).toHaveLength(4);
    const ledger = expect.stringMatching(/^RequestsTable/);
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: 'events:PutEvents',
          Resource: 'arn:aws:events:ap-northeast-2:111122223333:event-bus/EventsBus45DE4339',
        }),
        // No DeleteItem, PutItem or Scan: names are moved on by conditional updates only.
        expect.objectContaining({
          Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
          Resource: ledger,
        }),
        expect.objectContaining({ Action: 'dynamodb:Query' }),
        expect.objectContaining({ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] }),
      ]),
    );
  });

  it('should let the creator create images, and tag only while creating them', () => {
    const statements = roleStatements('creator');
    expect(actionsOf(statements)).toEqual(
      expect.arrayContaining([
        'ec2:CreateImage',
        'ec2:CreateTags',
        'ec2:DescribeImages',
        'ec2:DescribeInstances',
        'events:PutEvents',
        'states:DescribeExecution',
        'states:StartExecution',
      ]),
    );
    expect(statements).toEqual(
      expect.arrayContaining([
        // Only an instance with a Name tag can be a source; the image and snapshots do not exist
        // before the call, so a tag condition on them would refuse every call.
        expect.objectContaining({
          Action: 'ec2:CreateImage',
          Resource: 'arn:aws:ec2:ap-northeast-2:111122223333:instance/*',
          Condition: { Null: { 'aws:ResourceTag/Name': 'false' } },
        }),
        expect.objectContaining({
          Action: 'ec2:CreateImage',
          Resource: [
            'arn:aws:ec2:ap-northeast-2::image/*',
            'arn:aws:ec2:ap-northeast-2::snapshot/*',
          ],
        }),
        expect.objectContaining({
          Action: 'ec2:CreateTags',
          Resource: [
            'arn:aws:ec2:ap-northeast-2::image/*',
            'arn:aws:ec2:ap-northeast-2::snapshot/*',
          ],
          Condition: { StringEquals: { 'ec2:CreateAction': 'CreateImage' } },
        }),
        expect.objectContaining({
          Action: 'states:StartExecution',
          Resource: expect.stringMatching(/:stateMachine:Watcher/),
        }),
        expect.objectContaining({
          Action: 'states:DescribeExecution',
          Resource: expect.stringMatching(/:execution:Watcher\w+:\*$/),
        }),
      ]),
    );
    expect(actionsOf(statements)).not.toContain('ec2:DeregisterImage');
  });

  it('should let the janitor deregister and delete only resources tagged Reason=Deploy', () => {
    const statements = roleStatements('janitor');
    for (const action of ['ec2:DeregisterImage', 'ec2:DeleteSnapshot']) {
      expect(statements).toContainEqual(
        expect.objectContaining({
          Action: action,
          Condition: { StringEquals: { 'aws:ResourceTag/Reason': 'Deploy' } },
        }),
      );
    }
    expect(actionsOf(statements)).not.toContain('ec2:CreateImage');
  });

  it('should let the janitor resolve launch templates whose AMI is a Systems Manager parameter', () => {
    expect(roleStatements('janitor')).toContainEqual(
      expect.objectContaining({
        Action: 'ssm:GetParameters',
        Resource: 'arn:aws:ssm:ap-northeast-2:111122223333:parameter/*',
      }),
    );
  });

  it('should let the notifier read the webhook secret and nothing else in Secrets Manager', () => {
    const statements = roleStatements('notifier');
    const secrets = statements.filter((s) => String(s.Action).startsWith('secretsmanager:'));
    expect(secrets).toEqual([
      expect.objectContaining({
        Action: 'secretsmanager:GetSecretValue',
        Resource: expect.stringMatching(/:secret:NotifierWebhookSecret/),
      }),
    ]);
    // It only reads images, to check an AmiAvailable's claim before announcing it.
    expect(actionsOf(statements).filter((action) => action.startsWith('ec2:'))).toEqual([
      'ec2:DescribeImages',
    ]);
  });

  it('should let the watcher describe images and put events on the bus only', () => {
    const [[, stateMachine] = []] = resourcesWithMetadata(
      json,
      'AWS::StepFunctions::StateMachine',
      TEMPLATE_METADATA.service,
    );
    const role = propertyOf<{ 'Fn::GetAtt': string[] }>(stateMachine, 'RoleArn')['Fn::GetAtt'][0];
    const statements = statementsOf(json, { Ref: role });
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 'events:PutEvents',
        Resource: 'arn:aws:events:ap-northeast-2:111122223333:event-bus/EventsBus45DE4339',
      }),
    );
    expect(actionsOf(statements).filter((action) => action.startsWith('ec2:'))).toEqual([
      'ec2:DescribeImages',
    ]);
  });
});

describe('watcher and monitoring', () => {
  it('should log every watcher state with its data and trace executions', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      TracingConfiguration: { Enabled: true },
    });
    template.hasResource('AWS::StepFunctions::StateMachine', {
      Metadata: {
        [TEMPLATE_METADATA.service]: 'watcher',
        [TEMPLATE_METADATA.waitStates]: ['WaitWithoutWakeUp'],
      },
    });
  });

  it('should wake waiting checks from EC2 AMI State Change events on the default bus', () => {
    const rules = Object.entries(json.Resources).filter(
      ([, resource]) =>
        resource.Type === 'AWS::Events::Rule' &&
        (JSON.stringify(resource.Properties?.EventPattern) ?? '').includes('EC2 AMI State Change'),
    );
    expect(rules).toHaveLength(1);
    const [[, rule] = []] = rules;
    // No EventBusName: AWS services send their events to the default bus only.
    expect(rule?.Properties?.EventBusName).toBeUndefined();
    expect(rule?.Properties?.EventPattern).toEqual({
      source: ['aws.ec2'],
      'detail-type': ['EC2 AMI State Change'],
      detail: { State: ['available', 'failed'] },
    });
    const [target] = propertyOf<Record<string, unknown>[]>(rule, 'Targets');
    expect(target).toMatchObject({
      DeadLetterConfig: { Arn: expect.anything() },
      RetryPolicy: { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 3 },
    });
    const [[wakeUpId] = []] = Object.entries(json.Resources).filter(
      ([, resource]) =>
        resource.Type === 'AWS::StepFunctions::StateMachine' &&
        resource.Metadata?.[TEMPLATE_METADATA.service] === 'watcher-wake-up',
    );
    expect(target?.Arn).toEqual({ Ref: wakeUpId });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'EXPRESS',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      TracingConfiguration: { Enabled: true },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: wakeUpId } }],
    });
  });

  it('should keep waiting checks in an on-demand table that only the two state machines use', () => {
    const tables = Object.entries(json.Resources).filter(
      ([, resource]) =>
        resource.Type === 'AWS::DynamoDB::Table' &&
        resource.Metadata?.[TEMPLATE_METADATA.role] === 'waiting-checks',
    );
    expect(tables).toHaveLength(1);
    const [[tableId, table] = []] = tables;
    expect(table?.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'imageId', KeyType: 'HASH' }],
    });
    const grants = Object.values(json.Resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .flatMap(
        (policy) =>
          propertyOf<{ Statement: { Action: string | string[]; Resource: unknown }[] }>(
            policy,
            'PolicyDocument',
          ).Statement,
      )
      .filter((statement) => JSON.stringify(statement.Resource).includes(String(tableId)))
      .flatMap((statement) => [statement.Action].flat());
    expect(new Set(grants)).toEqual(
      new Set(['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem']),
    );
  });

  it('should alarm on every dead-letter queue, every function and the watcher', () => {
    const queues = resourcesWithMetadata(json, 'AWS::SQS::Queue', TEMPLATE_METADATA.deadLetters);
    expect(queues).toHaveLength(8);
    for (const [queueId] of queues) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
        Threshold: 1,
      });
    }
    for (const service of ['api', 'creator', 'notifier', 'janitor']) {
      const [functionId] = serviceFunction(json, service);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId } }],
      });
    }
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: metric });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: Match.absent() });
  });

  it('should alarm when the announcer of a failed name fails, times out or is stopped', () => {
    const [[announcerId] = []] = resourcesWithMetadata(
      json,
      'AWS::StepFunctions::StateMachine',
      TEMPLATE_METADATA.service,
    ).filter(
      ([, resource]) => resource.Metadata?.[TEMPLATE_METADATA.service] === 'creator-announcer',
    );
    const alarm = Object.values(json.Resources).find(
      (resource) =>
        resource.Type === 'AWS::CloudWatch::Alarm' &&
        String(resource.Properties?.AlarmDescription).includes('AmiFailed of a failed name'),
    );
    const metrics = (alarm?.Properties?.Metrics ?? []) as {
      MetricStat?: { Metric: { MetricName: string; Dimensions: { Value: unknown }[] } };
    }[];
    const watched = metrics.flatMap(({ MetricStat }) => (MetricStat ? [MetricStat.Metric] : []));
    expect(watched.map((metric) => metric.MetricName).sort()).toEqual([
      'ExecutionsAborted',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
    ]);
    for (const metric of watched) expect(metric.Dimensions[0]?.Value).toEqual({ Ref: announcerId });
  });

  it('should count the failed child executions of the watcher (one per AMI) in WatcherFailed', () => {
    const [[watcherId] = []] = resourcesWithMetadata(
      json,
      'AWS::StepFunctions::StateMachine',
      TEMPLATE_METADATA.service,
    ).filter(([, resource]) => resource.Metadata?.[TEMPLATE_METADATA.service] === 'watcher');
    const [alarm] = Object.entries(json.Resources)
      .filter(
        ([id, resource]) => resource.Type === 'AWS::CloudWatch::Alarm' && /WatcherFailed/.test(id),
      )
      .map(([, resource]) => resource);
    const watcherArn = refs(String(watcherId));
    const properties = resolveIntrinsics(alarm?.Properties, refs) as {
      Metrics?: { Expression?: string; MetricStat?: { Metric: Record<string, unknown> } }[];
    };
    const counted = (properties.Metrics ?? []).flatMap((query) =>
      query.MetricStat ? [query.MetricStat.Metric] : [],
    );

    // Step Functions reports a Map Run's child executions under `<state machine ARN>/<Map label>`.
    expect(counted).toEqual(
      [watcherArn, `${watcherArn}/${WATCHER_MAP_LABEL}`].map((stateMachineArn) => ({
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsFailed',
        Dimensions: [{ Name: 'StateMachineArn', Value: stateMachineArn }],
      })),
    );
    // A period with no data from one of them must not hide the other.
    expect(properties.Metrics?.find((query) => query.Expression)?.Expression).toMatch(/FILL/);
  });

  it('should send alarms to the configured SNS topic', () => {
    const topic = 'arn:aws:sns:ap-northeast-2:111122223333:ops';
    const withTopic = templateJson(synthesize({ alarmTopicArn: topic }).template);
    const alarms = Object.values(withTopic.Resources).filter(
      (resource) => resource.Type === 'AWS::CloudWatch::Alarm',
    );
    expect(alarms.length).toBeGreaterThan(10);
    for (const alarm of alarms) expect(alarm.Properties?.AlarmActions).toEqual([topic]);
  });

  it('should graph the AMI flow from the AmiLifecycle namespace on the dashboard', () => {
    const [dashboard] = Object.values(json.Resources).filter(
      (resource) => resource.Type === 'AWS::CloudWatch::Dashboard',
    );
    const body = String(resolveIntrinsics(dashboard?.Properties?.DashboardBody, refs));
    for (const metric of [
      'AmisRequested',
      'AmisCreated',
      'AmisAvailable',
      'AmisFailed',
      'AmisPurged',
    ]) {
      expect(body).toContain(`{AmiLifecycle,service} MetricName=\\"${metric}\\"`);
    }
    expect(body).toContain('ExecutionsStarted');
    expect(body).toContain('ApproximateNumberOfMessagesVisible');
  });
});

describe('purge runs', () => {
  const purgeRun = () => {
    const found = resourcesWithMetadata(
      json,
      'AWS::StepFunctions::StateMachine',
      TEMPLATE_METADATA.service,
    ).find(([, machine]) => machine.Metadata?.[TEMPLATE_METADATA.service] === 'purge-run');
    if (found === undefined) throw new Error('no purge-run state machine');
    return found[1];
  };
  const definition = () =>
    JSON.parse(
      String(
        resolveIntrinsics(propertyOf(purgeRun(), 'DefinitionString'), fakeRefs(json)) as string,
      ),
    ) as { States: Record<string, Record<string, unknown>> };

  it('should run each purge as a named Standard execution whose steps are the janitor', () => {
    expect(purgeRun().Properties).toMatchObject({
      StateMachineName: 'AmiLifecycle-purge-run',
      StateMachineType: 'STANDARD',
    });
    const { States } = definition();
    expect(Object.keys(States).sort()).toEqual(
      [
        'BeginRun',
        'EndRun',
        'EndRunAfterFailure',
        'MoreToPurge',
        'PurgeBatch',
        'RunDone',
        'RunFailed',
      ].sort(),
    );
    // The run's clock and id come from the execution, never from an event.
    expect(States.BeginRun?.Parameters).toMatchObject({
      purgeRun: {
        step: 'begin',
        'runId.$': '$$.Execution.Name',
        'startedAt.$': '$$.Execution.StartTime',
      },
    });
  });

  it('should wait for the run lock, retry failed batches, and release the lock on failure', () => {
    const { States } = definition();
    const retriers = (state: string) =>
      (States[state]?.Retry ?? []) as { ErrorEquals: string[]; MaxAttempts?: number }[];
    expect(retriers('BeginRun')[0]).toMatchObject({
      ErrorEquals: ['PurgeRunBusyError'],
      MaxAttempts: 720,
    });
    expect(retriers('PurgeBatch').at(-1)).toMatchObject({ ErrorEquals: ['States.ALL'] });
    expect(States.PurgeBatch?.Catch).toEqual([
      expect.objectContaining({ Next: 'EndRunAfterFailure' }),
    ]);
    expect(States.EndRunAfterFailure?.Next).toBe('RunFailed');
  });

  it('should keep the journal in an on-demand table with point-in-time recovery and a TTL', () => {
    const [[, journal] = []] = Object.entries(json.Resources).filter(
      ([, resource]) => resource.Metadata?.[TEMPLATE_METADATA.role] === 'purge-journal',
    );
    expect(journal?.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'runId', KeyType: 'HASH' },
        { AttributeName: 'entry', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('should let the janitor start purge runs and read parameters under the prefix only', () => {
    const statements = roleStatements('janitor');
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 'states:StartExecution',
        Resource: expect.stringMatching(/:stateMachine:AmiLifecycle-purge-run$/),
      }),
    );
    const ssm = statements.filter((statement) =>
      [statement.Action].flat().some((action) => String(action).startsWith('ssm:Get')),
    );
    for (const statement of ssm) {
      expect(statement.Resource).toEqual(expect.stringMatching(/:parameter\/\*$/));
    }
    expect(actionsOf(statements)).not.toContain('ec2:DescribeSnapshots');
  });
});
