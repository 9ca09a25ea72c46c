import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { EVENT_CONTRACTS } from '../../events/catalog';
import { compileEventPattern } from '../../infra/local/events/event-pattern';
import { readLocalTemplate } from '../../infra/local/template/local-template';
import { TEMPLATE_METADATA } from '../../infra/template-metadata';
import { synthesize } from './synthesize';
import { type CfnResourceJson, propertyOf, resourcesWithMetadata, templateJson } from './template';

const { template } = synthesize();
const json = templateJson(template);

const REFUSED_DETAIL_TYPES = [
  'AmiRequested',
  'AmiPurgeRequested',
  'AmiAvailable',
  'AmiFailed',
  'AmiPurged',
];

interface Target {
  Arn: unknown;
  InputTransformer?: { InputPathsMap: Record<string, string>; InputTemplate: string };
  RetryPolicy?: unknown;
}

const refusedQueueId = (() => {
  const found = resourcesWithMetadata(json, 'AWS::SQS::Queue', TEMPLATE_METADATA.deadLetters).find(
    ([, queue]) =>
      String(queue.Metadata?.[TEMPLATE_METADATA.deadLetters]).includes('no rule accepts'),
  );
  if (found === undefined) throw new Error('no dead-letter queue for refused events');
  return found[0];
})();

/** Rules whose every target is the refused-events queue. */
function refusalRules(): CfnResourceJson[] {
  return Object.values(json.Resources).filter(
    (resource) =>
      resource.Type === 'AWS::Events::Rule' &&
      propertyOf<Target[]>(resource, 'Targets').every(
        (target) =>
          JSON.stringify(target.Arn) === JSON.stringify({ 'Fn::GetAtt': [refusedQueueId, 'Arn'] }),
      ),
  );
}

function event(detailType: string, detail: Record<string, unknown>) {
  return { 'detail-type': detailType, source: 'some.system', account: '1', detail };
}

describe('rules for events of ours that no versioned rule accepts', () => {
  it('should refuse, for each consumed detail-type, a missing, non-integer or unsupported schemaVersion', () => {
    // Prepare
    const rules = refusalRules();
    const matchers = rules.map((rule) => compileEventPattern(propertyOf(rule, 'EventPattern')));
    const refusedBy = (detailType: string, detail: Record<string, unknown>) =>
      matchers.filter((matches) => matches(event(detailType, detail))).length;

    // Assess
    expect(rules).toHaveLength(REFUSED_DETAIL_TYPES.length * 3);
    for (const detailType of REFUSED_DETAIL_TYPES) {
      expect(refusedBy(detailType, { data: {} })).toBe(1);
      expect(refusedBy(detailType, { metadata: { schemaVersion: 2 } })).toBe(1);
      expect(refusedBy(detailType, { metadata: { schemaVersion: '1' } })).toBe(1);
      expect(refusedBy(detailType, { metadata: { schemaVersion: 1 } })).toBe(0);
    }
    // No service consumes AmiCreated: every one of them would be refused.
    expect(refusedBy('AmiCreated', { data: {} })).toBe(0);
  });

  it('should leave every current contract example to the versioned rules', () => {
    const matchers = refusalRules().map((rule) =>
      compileEventPattern(propertyOf(rule, 'EventPattern')),
    );
    for (const contract of EVENT_CONTRACTS) {
      for (const example of contract.examples) {
        const refused = matchers.some((matches) =>
          matches(event(contract.detailType, example as Record<string, unknown>)),
        );
        expect(refused, `${contract.detailType} example`).toBe(false);
      }
    }
  });

  it('should send the reason and the original event to the queue, with retries', () => {
    for (const rule of refusalRules()) {
      const [target] = propertyOf<Target[]>(rule, 'Targets');
      expect(target?.RetryPolicy).toEqual({
        MaximumEventAgeInSeconds: 86_400,
        MaximumRetryAttempts: 185,
      });
      const paths = target?.InputTransformer?.InputPathsMap ?? {};
      const template = String(target?.InputTransformer?.InputTemplate);
      expect(template).toMatch(/^\{"reason":"[^"]+","event":<[\w-]+>\}$/);
      const eventVariable = /"event":<([\w-]+)>/.exec(template)?.[1] ?? '';
      expect(paths[eventVariable]).toBe('$');
    }
    template.hasResourceProperties('AWS::Events::Rule', {
      Description: Match.stringLikeRegexp('SchemaVersionUnsupported'),
      Targets: [
        Match.objectLike({
          InputTransformer: {
            InputPathsMap: Match.objectLike({
              'detail-metadata-schemaVersion': '$.detail.metadata.schemaVersion',
            }),
            InputTemplate: Match.stringLikeRegexp(
              'schemaVersion <detail-metadata-schemaVersion> is not supported',
            ),
          },
        }),
      ],
    });
  });

  it('should let EventBridge send to the queue only from these rules', () => {
    const [policy] = Object.values(json.Resources).filter(
      (resource) =>
        resource.Type === 'AWS::SQS::QueuePolicy' &&
        JSON.stringify(resource.Properties?.Queues) === JSON.stringify([{ Ref: refusedQueueId }]),
    );
    const statements = propertyOf<{ Statement: Record<string, unknown>[] }>(
      policy,
      'PolicyDocument',
    ).Statement.filter((statement) => statement.Effect === 'Allow');
    expect(statements).toHaveLength(REFUSED_DETAIL_TYPES.length * 3);
    for (const statement of statements) {
      expect(statement).toMatchObject({
        Principal: { Service: 'events.amazonaws.com' },
        Condition: {
          ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [expect.any(String), 'Arn'] } },
        },
      });
    }
  });

  it('should alarm when the queue holds a message', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [refusedQueueId, 'QueueName'] } }],
    });
  });

  it('should be known to the local cloud as a dead-letter queue, with the transformers', () => {
    const local = readLocalTemplate(json, {
      region: 'us-east-1',
      accountId: '000000000000',
      stackName: 'AmiLifecycle',
      sourceRoot: '.',
    });
    const queueArn = local.arnOf(refusedQueueId);
    expect(local.deadLetterQueueArns).toContain(queueArn);
    const targets = local.rules.flatMap((rule) => rule.targets).filter((t) => t.arn === queueArn);
    expect(targets).toHaveLength(REFUSED_DETAIL_TYPES.length * 3);
    for (const target of targets) expect(target.inputTransformer?.inputTemplate).toMatch(/reason/);
  });
});
