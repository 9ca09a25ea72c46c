import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WAKE_PATTERN } from '../../../events/ec2-ami-state-change';
import { readLocalTemplate } from '../../../infra/local/template/local-template';
import { synthesizeTemplateCached } from '../../../infra/local/template/template-cache';

const template = readLocalTemplate((await synthesizeTemplateCached('AmiLifecycle', {})).template, {
  region: 'us-east-1',
  accountId: '123456789012',
  stackName: 'AmiLifecycle',
  sourceRoot: resolve(import.meta.dirname, '../../..'),
});

describe('the synthesized stack as the local cloud reads it', () => {
  it('should find every state machine with its type and resolved definition', () => {
    expect(
      template.stateMachines.map(({ service, type, arn }) => ({ service, type, arn })),
    ).toEqual(
      expect.arrayContaining([
        { service: 'watcher', type: 'STANDARD', arn: template.stateMachine.arn },
        {
          service: 'watcher-wake-up',
          type: 'EXPRESS',
          arn: expect.stringMatching(/^arn:aws:states:us-east-1:123456789012:stateMachine:/),
        },
        {
          service: 'purge-run',
          type: 'STANDARD',
          arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:AmiLifecycle-purge-run',
        },
        {
          service: 'creator-announcer',
          type: 'STANDARD',
          arn: expect.stringMatching(/^arn:aws:states:us-east-1:123456789012:stateMachine:/),
        },
      ]),
    );
    expect(template.stateMachines).toHaveLength(4);
    // Every reference is resolved: no CloudFormation left in what the engine runs.
    expect(JSON.stringify(template.stateMachines)).not.toMatch(/Fn::|"Ref"|\$\{Token/);
  });

  it('should give the create-ami route API Gateway’s integration timeout, 29 s unless set', () => {
    expect(
      template.routes.map(({ method, resourcePath, timeoutMs }) => ({
        method,
        resourcePath,
        timeoutMs,
      })),
    ).toContainEqual({ method: 'POST', resourcePath: '/create-ami', timeoutMs: 29_000 });
  });

  it("should give each state machine its execution role's IAM ARN", () => {
    for (const machine of template.stateMachines) {
      expect(machine.roleArn).toMatch(/^arn:aws:iam::123456789012:role\/AmiLifecycle-[\w-]+$/);
    }
  });

  it('should find the waiting-checks table the watcher names, the purge journal, the request ledger and the webhook deliveries', () => {
    expect(template.tables).toHaveLength(4);
    const ledger = template.tables.find((candidate) => candidate.partitionKey.name === 'requestId');
    expect(ledger).toMatchObject({
      sortKey: { name: 'instanceName', type: 'S' },
      timeToLiveAttribute: 'expiresAt',
      globalSecondaryIndexes: [
        {
          name: 'byInstanceName',
          partitionKey: { name: 'instanceName', type: 'S' },
          sortKey: { name: 'requestedAt', type: 'S' },
        },
      ],
    });
    const deliveries = template.tables.find(
      (candidate) => candidate.partitionKey.name === 'eventId',
    );
    expect(deliveries?.sortKey).toEqual({ name: 'target', type: 'S' });
    const table = template.tables.find((candidate) => candidate.partitionKey.name === 'imageId');
    expect(table?.sortKey).toBeUndefined();
    const journal = template.tables.find((candidate) => candidate.partitionKey.name === 'runId');
    expect(journal?.sortKey).toEqual({ name: 'entry', type: 'S' });
    expect(journal?.timeToLiveAttribute).toBe('expiresAt');
    for (const machine of template.stateMachines.filter((m) => m.service.startsWith('watcher'))) {
      expect(JSON.stringify(machine.definition)).toContain(`"TableName":"${table?.name}"`);
    }
  });

  it("should read the notifier's queue, its redrive to a dead-letter queue, and its event source mapping", () => {
    const notifier = template.functions.find((fn) => fn.service === 'notifier');
    const [mapping] = template.eventSourceMappings;
    expect(template.eventSourceMappings).toHaveLength(1);
    expect(mapping).toMatchObject({
      functionName: notifier?.functionName,
      reportBatchItemFailures: true,
    });
    const queue = template.queues.find((candidate) => candidate.arn === mapping?.queueArn);
    expect(queue?.deadLetters).toBe(false);
    expect(template.deadLetterQueueArns).toContain(queue?.redrive?.deadLetterArn);
    expect(queue?.redrive?.maxReceiveCount).toBeGreaterThan(100);
    const subscribed = template.rules.filter((rule) =>
      rule.targets.some((target) => target.arn === queue?.arn),
    );
    expect(subscribed).toHaveLength(3);
  });

  it('should put the EC2 AMI State Change rule on the default bus, targeting the wake-up', () => {
    const wakeUp = template.stateMachines.find((machine) => machine.service === 'watcher-wake-up');
    const rules = template.rules.filter((rule) =>
      (JSON.stringify(rule.eventPattern) ?? '').includes('EC2 AMI State Change'),
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]?.eventPattern).toEqual(WAKE_PATTERN);
    expect(rules[0]?.eventBusName).toBeUndefined();
    expect(rules[0]?.targets.map((target) => target.arn)).toEqual([wakeUp?.arn]);
  });
});
