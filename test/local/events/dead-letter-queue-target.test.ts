import { EventBridgeClient, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalEndpoint } from '../../../infra/local/endpoint';
import { createEventBus, type EventBusOptions } from '../../../infra/local/events/bus';
import type { RuleTarget } from '../../../infra/local/events/model';
import { createEventsService } from '../../../infra/local/events/service';

const DEAD_LETTERS = 'arn:aws:sqs:ap-northeast-2:111122223333:refused';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function startBus(options: EventBusOptions = {}) {
  const calls: Array<{ target: RuleTarget; input: unknown }> = [];
  const bus = createEventBus({
    region: 'ap-northeast-2',
    account: '111122223333',
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    invokeTarget: async (target, input) => {
      calls.push({ target, input });
    },
    ...options,
  });
  cleanups.push(() => bus.close());
  return { bus, calls };
}

const requested = (detail: Record<string, unknown>) => ({
  Source: 'some.system',
  DetailType: 'AmiRequested',
  Detail: JSON.stringify(detail),
});

const transformer = {
  inputPathsMap: { version: '$.detail.metadata.schemaVersion', f2: '$' },
  inputTemplate: '{"reason":"schemaVersion <version> is not supported","event":<f2>}',
};

describe('input transformers', () => {
  it('should insert values as text inside a JSON string and as JSON outside', async () => {
    // Prepare
    const { bus, calls } = startBus();
    bus.putRule({
      name: 'r',
      eventPattern: { 'detail-type': ['AmiRequested'] },
      targets: [{ id: 't', arn: 'arn:t', inputTransformer: transformer }],
    });

    // Act
    const { Entries } = bus.putEvents([requested({ metadata: { schemaVersion: 2 } })]);
    await bus.whenIdle();

    // Assess
    expect(calls.map((call) => call.input)).toEqual([
      {
        reason: 'schemaVersion 2 is not supported',
        event: expect.objectContaining({
          id: Entries[0]?.EventId,
          detail: { metadata: { schemaVersion: 2 } },
        }),
      },
    ]);
  });

  it('should keep a JSON template valid when a string value has quotes, and give null for nothing', async () => {
    // Prepare
    const { bus, calls } = startBus();
    bus.putRule({
      name: 'r',
      eventPattern: { 'detail-type': ['AmiRequested'] },
      targets: [
        {
          id: 't',
          arn: 'arn:t',
          inputTransformer: {
            inputPathsMap: { v: '$.detail.v', missing: '$.detail.nothing' },
            inputTemplate:
              '{"text":"got <v>","value":<v>,"absent":<missing>,"rule":"<aws.events.rule-name>"}',
          },
        },
      ],
    });

    // Act
    bus.putEvents([requested({ v: 'say "hi"' })]);
    await bus.whenIdle();

    // Assess
    expect(calls.map((call) => call.input)).toEqual([
      { text: 'got say "hi"', value: 'say "hi"', absent: null, rule: 'r' },
    ]);
  });

  it('should take an InputTransformer over the wire and describe it back', async () => {
    // Prepare
    const { bus } = startBus();
    const endpoint = await startLocalEndpoint({
      port: 0,
      services: { events: createEventsService(bus) },
    });
    const client = new EventBridgeClient({
      endpoint: endpoint.url,
      region: 'ap-northeast-2',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    cleanups.push(async () => {
      client.destroy();
      await endpoint.close();
    });
    bus.putRule({ name: 'r', eventPattern: { 'detail-type': ['AmiRequested'] } });

    // Act
    const result = await client.send(
      new PutTargetsCommand({
        Rule: 'r',
        Targets: [
          {
            Id: 't',
            Arn: 'arn:t',
            InputTransformer: {
              InputPathsMap: transformer.inputPathsMap,
              InputTemplate: transformer.inputTemplate,
            },
          },
        ],
      }),
    );

    // Assess
    expect(result.FailedEntryCount).toBe(0);
    expect(bus.describeRule('r').targets).toEqual([
      { id: 't', arn: 'arn:t', inputTransformer: transformer },
    ]);
  });
});

describe('a rule target that is a dead-letter queue', () => {
  it('should make a dead letter carrying the reason and the input, and invoke nothing', async () => {
    // Prepare
    const seen: string[] = [];
    const { bus, calls } = startBus({
      deadLetterQueueArns: [DEAD_LETTERS],
      onDeadLetter: (letter) => seen.push(letter.error.message),
    });
    bus.putRule({
      name: 'refuse',
      eventPattern: { 'detail-type': ['AmiRequested'] },
      targets: [{ id: 'dlq', arn: DEAD_LETTERS, inputTransformer: transformer }],
    });

    // Act
    const result = bus.putEvents([requested({ metadata: { schemaVersion: 2 } })]);
    await bus.whenIdle();

    // Assess
    expect(result.FailedEntryCount).toBe(0);
    expect(calls).toEqual([]);
    expect(bus.deadLetters()).toEqual([
      expect.objectContaining({
        event: expect.objectContaining({ id: result.Entries[0]?.EventId }),
        error: { code: 'SentToDeadLetterQueue', message: 'schemaVersion 2 is not supported' },
        target: expect.objectContaining({ ruleName: 'refuse', arn: DEAD_LETTERS }),
        input: expect.objectContaining({ reason: 'schemaVersion 2 is not supported' }),
      }),
    ]);
    expect(seen).toEqual(['schemaVersion 2 is not supported']);
  });

  it('should still invoke a queue that is not a dead-letter queue', async () => {
    // Prepare
    const { bus, calls } = startBus({ deadLetterQueueArns: [DEAD_LETTERS] });
    bus.putRule({
      name: 'r',
      eventPattern: { 'detail-type': ['AmiRequested'] },
      targets: [{ id: 'q', arn: 'arn:aws:sqs:ap-northeast-2:111122223333:work' }],
    });

    // Act
    bus.putEvents([requested({})]);
    await bus.whenIdle();

    // Assess
    expect(calls).toHaveLength(1);
    expect(bus.deadLetters()).toEqual([]);
  });
});
