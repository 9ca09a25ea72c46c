import { describe, expect, it } from 'vitest';
import { TEMPLATE_METADATA } from '../../infra/template-metadata';
import { maxReceivesWithin } from '../../services/notifier/retry-delay';
import { synthesize } from './synthesize';
import { type CfnResourceJson, resourcesWithMetadata, templateJson } from './template';

const HOUR = 3600;

function notifierParts(settings: Record<string, unknown> = {}) {
  const json = templateJson(synthesize(settings).template);
  const resources = json.Resources;
  const [[functionId] = []] = resourcesWithMetadata(
    json,
    'AWS::Lambda::Function',
    TEMPLATE_METADATA.service,
  ).filter(([, fn]) => fn.Metadata?.[TEMPLATE_METADATA.service] === 'notifier');
  const rules = resourcesWithMetadata(json, 'AWS::Events::Rule', TEMPLATE_METADATA.subscription)
    .map(([, rule]) => rule)
    .filter(
      (rule) =>
        (rule.Metadata?.[TEMPLATE_METADATA.subscription] as { service?: string } | undefined)
          ?.service === 'notifier',
    );
  const targetQueueIds = rules.map((rule) => {
    const [target] = (rule.Properties?.Targets ?? []) as { Arn: { 'Fn::GetAtt'?: string[] } }[];
    return target?.Arn['Fn::GetAtt']?.[0] ?? '';
  });
  const queueId = targetQueueIds[0] ?? '';
  const mappings = Object.values(resources).filter(
    (resource) => resource.Type === 'AWS::Lambda::EventSourceMapping',
  );
  const of = (id: string): CfnResourceJson | undefined => resources[id];
  return { json, resources, functionId, rules, targetQueueIds, queueId, mappings, of };
}

describe('notifier queue', () => {
  it('should put every notification in one encrypted queue, not invoke the function', () => {
    const { rules, targetQueueIds, queueId, of } = notifierParts();
    expect(rules).toHaveLength(3);
    expect(new Set(targetQueueIds)).toEqual(new Set([queueId]));
    expect(of(queueId)).toMatchObject({
      Type: 'AWS::SQS::Queue',
      Properties: { SqsManagedSseEnabled: true },
    });
  });

  it('should let the function consume the queue reporting batch item failures', () => {
    const { mappings, functionId, queueId } = notifierParts();
    expect(mappings).toHaveLength(1);
    expect(mappings[0]?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: functionId },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it.each([24, 168])(
    'should keep messages past a %i-hour retry window, with a redrive backstop beyond it',
    (hours) => {
      const { queueId, of, resources, functionId } = notifierParts({
        notificationRetryHours: hours,
      });
      const queue = of(queueId)?.Properties as {
        MessageRetentionPeriod: number;
        VisibilityTimeout: number;
        RedrivePolicy: { maxReceiveCount: number; deadLetterTargetArn: { 'Fn::GetAtt': string[] } };
      };
      expect(queue.MessageRetentionPeriod).toBeGreaterThan(hours * HOUR);
      expect(queue.RedrivePolicy.maxReceiveCount).toBeGreaterThan(maxReceivesWithin(hours * HOUR));
      const deadLetterId = queue.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0] ?? '';
      expect(of(deadLetterId)?.Metadata?.[TEMPLATE_METADATA.role]).toBe('dead-letters');
      const fn = resources[functionId ?? '']?.Properties as {
        Timeout: number;
        Environment: { Variables: Record<string, unknown> };
      };
      expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(fn.Timeout);
      expect(fn.Environment.Variables).toMatchObject({
        NOTIFICATION_RETRY_HOURS: String(hours),
        NOTIFICATION_QUEUE_URL: { Ref: queueId },
        NOTIFICATION_DEAD_LETTER_QUEUE_URL: { Ref: deadLetterId },
      });
    },
  );

  it('should record deliveries in an encrypted, on-demand table with TTL and point-in-time recovery', () => {
    const { resources, functionId } = notifierParts();
    const fn = resources[functionId ?? '']?.Properties as {
      Environment: { Variables: Record<string, { Ref?: string }> };
    };
    const tableId = fn.Environment.Variables.DELIVERY_TABLE_NAME?.Ref ?? '';
    expect(resources[tableId]).toMatchObject({
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        KeySchema: [
          { AttributeName: 'eventId', KeyType: 'HASH' },
          { AttributeName: 'target', KeyType: 'RANGE' },
        ],
      },
    });
  });

  it('should alarm when a webhook refuses a notification', () => {
    const { resources } = notifierParts();
    const alarms = Object.values(resources).filter(
      (resource) =>
        resource.Type === 'AWS::CloudWatch::Alarm' &&
        resource.Properties?.MetricName === 'WebhookRejected',
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]?.Properties).toMatchObject({
      Namespace: 'AmiLifecycle',
      Dimensions: [{ Name: 'service', Value: 'notifier' }],
    });
  });
});
