import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalEndpoint } from '../../../infra/local/endpoint';
import { createEventBus } from '../../../infra/local/events/bus';
import {
  createEventsService,
  type EventsServiceOptions,
} from '../../../infra/local/events/service';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: EventsServiceOptions = {}) {
  const bus = createEventBus({
    region: 'ap-northeast-2',
    account: '111122223333',
    busNames: ['ami-lifecycle'],
  });
  const endpoint = await startLocalEndpoint({
    port: 0,
    services: { events: createEventsService(bus, options) },
  });
  const client = new EventBridgeClient({
    endpoint: endpoint.url,
    region: 'ap-northeast-2',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  cleanups.push(async () => {
    client.destroy();
    await bus.close();
    await endpoint.close();
  });
  return { bus, client };
}

const event = {
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'AmiAvailable',
  source: 'ami-lifecycle.watcher',
  account: '111122223333',
  time: '2025-06-05T12:00:00Z',
  region: 'ap-northeast-2',
  resources: [],
  detail: { metadata: { schemaVersion: 1 }, data: { instanceName: 'service-api' } },
};

describe('EventBridge inspection over the JSON protocol', () => {
  it('should list the default bus and the custom buses with their ARNs', async () => {
    // Prepare
    const { client } = await start();

    // Act
    const { EventBuses = [] } = await client.send(new ListEventBusesCommand({}));

    // Assess
    expect(EventBuses.map(({ Name, Arn }) => ({ Name, Arn }))).toEqual([
      {
        Name: 'ami-lifecycle',
        Arn: 'arn:aws:events:ap-northeast-2:111122223333:event-bus/ami-lifecycle',
      },
      { Name: 'default', Arn: 'arn:aws:events:ap-northeast-2:111122223333:event-bus/default' },
    ]);
  });

  it('should filter the buses by NamePrefix', async () => {
    const { client } = await start();

    const { EventBuses = [] } = await client.send(new ListEventBusesCommand({ NamePrefix: 'def' }));

    expect(EventBuses.map((bus) => bus.Name)).toEqual(['default']);
  });

  it('should say whether an event matches a pattern', async () => {
    const { client } = await start();
    const test = (pattern: unknown) =>
      client.send(
        new TestEventPatternCommand({
          EventPattern: JSON.stringify(pattern),
          Event: JSON.stringify(event),
        }),
      );

    expect((await test({ 'detail-type': ['AmiAvailable'] })).Result).toBe(true);
    expect(
      (await test({ detail: { data: { instanceName: [{ prefix: 'service-' }] } } })).Result,
    ).toBe(true);
    expect((await test({ 'detail-type': ['AmiFailed'] })).Result).toBe(false);
  });

  it('should answer InvalidEventPatternException for a pattern the matcher refuses', async () => {
    const { client } = await start();

    const failure = await client
      .send(
        new TestEventPatternCommand({
          EventPattern: JSON.stringify({ source: [{ contains: 'x' }] }),
          Event: JSON.stringify(event),
        }),
      )
      .catch((error: Error) => error);

    expect(failure).toMatchObject({ name: 'InvalidEventPatternException' });
    expect((failure as Error).message).toContain('source');
  });

  it('should answer InvalidEventPatternException for a pattern that is not JSON', async () => {
    const { client } = await start();

    const failure = await client
      .send(new TestEventPatternCommand({ EventPattern: '{', Event: JSON.stringify(event) }))
      .catch((error: Error) => error);

    expect(failure).toMatchObject({ name: 'InvalidEventPatternException' });
  });

  it('should answer ValidationException for an event missing a field EventBridge requires', async () => {
    const { client } = await start();
    const { source: _source, ...withoutSource } = event;

    const failure = await client
      .send(
        new TestEventPatternCommand({
          EventPattern: JSON.stringify({ source: ['x'] }),
          Event: JSON.stringify(withoutSource),
        }),
      )
      .catch((error: Error) => error);

    expect(failure).toMatchObject({ name: 'ValidationException' });
    expect((failure as Error).message).toContain('source');
  });

  it('should describe a scheduled rule by its ScheduleExpression, as EventBridge does', async () => {
    // Prepare: the local cloud runs a schedule as a rule matching its own Scheduled Event.
    const { bus, client } = await start({
      scheduledRules: [{ name: 'daily-sweep', scheduleExpression: 'cron(0 3 * * ? *)' }],
    });
    bus.putRule({
      name: 'daily-sweep',
      eventPattern: {
        source: ['aws.events'],
        'detail-type': ['Scheduled Event'],
        resources: ['arn:aws:events:ap-northeast-2:111122223333:rule/daily-sweep'],
      },
      targets: [{ id: 'janitor', arn: 'arn:aws:lambda:ap-northeast-2:111122223333:function:j' }],
    });

    // Act
    const described = await client.send(new DescribeRuleCommand({ Name: 'daily-sweep' }));
    const { Rules = [] } = await client.send(new ListRulesCommand({}));

    // Assess
    expect(described.ScheduleExpression).toBe('cron(0 3 * * ? *)');
    expect(described.EventPattern).toBeUndefined();
    expect(described.EventBusName).toBe('default');
    expect(Rules.find((rule) => rule.Name === 'daily-sweep')?.ScheduleExpression).toBe(
      'cron(0 3 * * ? *)',
    );
  });

  it('should hide the rules whose only targets are the local cloud own', async () => {
    // Prepare
    const { bus, client } = await start();
    bus.putRule({
      name: 'local-timeline',
      eventBusName: 'ami-lifecycle',
      eventPattern: { account: ['111122223333'] },
      targets: [{ id: 'timeline', arn: 'arn:aws:local:::timeline' }],
    });
    bus.putRule({
      name: 'to-notifier',
      eventBusName: 'ami-lifecycle',
      eventPattern: { source: ['ami-lifecycle.watcher'] },
      targets: [{ id: 'n', arn: 'arn:aws:lambda:ap-northeast-2:111122223333:function:n' }],
    });

    // Act
    const { Rules = [] } = await client.send(
      new ListRulesCommand({ EventBusName: 'ami-lifecycle' }),
    );
    const described = await client
      .send(new DescribeRuleCommand({ Name: 'local-timeline', EventBusName: 'ami-lifecycle' }))
      .catch((error: Error) => error);
    const targets = await client
      .send(new ListTargetsByRuleCommand({ Rule: 'local-timeline', EventBusName: 'ami-lifecycle' }))
      .catch((error: Error) => error);

    // Assess
    expect(Rules.map((rule) => rule.Name)).toEqual(['to-notifier']);
    expect(described).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(targets).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
