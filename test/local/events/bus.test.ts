import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import { AmiAvailableV1 } from '../../../events';
import { type LocalEndpoint, startLocalEndpoint } from '../../../infra/local/endpoint';
import { createEventBus, type EventBusOptions } from '../../../infra/local/events/bus';
import type { EventEnvelope, RuleTarget } from '../../../infra/local/events/model';
import { TargetInvocationError } from '../../../infra/local/events/model';
import { createEventsService } from '../../../infra/local/events/service';
import { awsCli, temporaryFolder } from '../../tools';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: EventBusOptions = {}) {
  const bus = createEventBus({
    region: 'ap-northeast-2',
    account: '111122223333',
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    ...options,
  });
  const endpoint = await startLocalEndpoint({
    port: 0,
    services: { events: createEventsService(bus) },
  });
  const client = new EventBridgeClient({
    endpoint: endpoint.url,
    region: 'ap-northeast-2',
    credentials,
    maxAttempts: 1,
  });
  cleanups.push(async () => {
    client.destroy();
    await bus.close();
    await endpoint.close();
  });
  return { bus, endpoint, client };
}

const entry = (overrides: Record<string, unknown> = {}) => ({
  Source: 'ami-lifecycle.watcher',
  DetailType: 'AmiAvailable',
  Detail: JSON.stringify(AmiAvailableV1.examples[0]),
  ...overrides,
});

function recordingInvoker() {
  const calls: Array<{ target: RuleTarget; input: unknown }> = [];
  return {
    calls,
    invokeTarget: async (target: RuleTarget, input: unknown) => {
      calls.push({ target, input });
    },
  };
}

describe('PutEvents through @aws-sdk/client-eventbridge', () => {
  it('should accept an entry and hand targets the full EventBridge envelope', async () => {
    const invoker = recordingInvoker();
    const { bus, client } = await start({ invokeTarget: invoker.invokeTarget });
    bus.putRule({
      name: 'notifier',
      eventPattern: AmiAvailableV1.pattern,
      targets: [{ id: 'fn', arn: 'arn:aws:lambda:ap-northeast-2:111122223333:function:notifier' }],
    });

    const result = await client.send(new PutEventsCommand({ Entries: [entry()] }));
    await bus.whenIdle();

    expect(result.FailedEntryCount).toBe(0);
    expect(result.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(invoker.calls).toHaveLength(1);
    const event = invoker.calls[0]?.input as EventEnvelope;
    expect(event).toEqual({
      version: '0',
      id: result.Entries?.[0]?.EventId,
      'detail-type': 'AmiAvailable',
      source: 'ami-lifecycle.watcher',
      account: '111122223333',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: 'ap-northeast-2',
      resources: [],
      detail: AmiAvailableV1.examples[0],
    });
    expect(invoker.calls[0]?.target).toMatchObject({
      id: 'fn',
      ruleName: 'notifier',
      ruleArn: 'arn:aws:events:ap-northeast-2:111122223333:rule/notifier',
      eventBusName: 'default',
    });
  });

  it('should route only to rules whose pattern matches, on their own bus', async () => {
    const invoker = recordingInvoker();
    const { bus, client } = await start({
      invokeTarget: invoker.invokeTarget,
      busNames: ['ami-lifecycle'],
    });
    bus.putRule({
      name: 'on-custom',
      eventBusName: 'ami-lifecycle',
      eventPattern: { source: ['ami-lifecycle.watcher'] },
      targets: [{ id: 'a', arn: 'arn:a' }],
    });
    bus.putRule({
      name: 'on-default',
      eventPattern: { source: ['ami-lifecycle.watcher'] },
      targets: [{ id: 'b', arn: 'arn:b' }],
    });
    bus.putRule({
      name: 'other',
      eventBusName: 'ami-lifecycle',
      eventPattern: { source: ['elsewhere'] },
      targets: [{ id: 'c', arn: 'arn:c' }],
    });

    await client.send(
      new PutEventsCommand({
        Entries: [
          entry({
            EventBusName: 'arn:aws:events:ap-northeast-2:111122223333:event-bus/ami-lifecycle',
          }),
        ],
      }),
    );
    await bus.whenIdle();

    expect(invoker.calls.map((call) => call.target.arn)).toEqual(['arn:a']);
  });

  it('should apply a target Input or InputPath', async () => {
    const invoker = recordingInvoker();
    const { bus, client } = await start({ invokeTarget: invoker.invokeTarget });
    bus.putRule({
      name: 'r',
      eventPattern: { source: [{ prefix: 'ami-lifecycle.' }] },
      targets: [
        { id: 'constant', arn: 'arn:constant', input: '{"fixed":true}' },
        { id: 'path', arn: 'arn:path', inputPath: '$.detail.data.imageId' },
      ],
    });
    await client.send(new PutEventsCommand({ Entries: [entry()] }));
    await bus.whenIdle();
    const byArn = Object.fromEntries(invoker.calls.map((call) => [call.target.arn, call.input]));
    expect(byArn).toEqual({ 'arn:constant': { fixed: true }, 'arn:path': 'ami-0123456789abcdef0' });
  });

  it('should report per-entry errors and count them in FailedEntryCount', async () => {
    const { bus, client } = await start();
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          entry(),
          entry({ Source: undefined }),
          entry({ DetailType: undefined }),
          entry({ Detail: undefined }),
          entry({ Detail: '{not json' }),
          entry({ Detail: '[1,2]' }),
          entry({ EventBusName: 'no-such-bus' }),
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(6);
    expect(result.Entries?.map((item) => item.ErrorCode ?? 'ok')).toEqual([
      'ok',
      'InvalidArgument',
      'InvalidArgument',
      'InvalidArgument',
      'MalformedDetail',
      'MalformedDetail',
      'ResourceNotFoundException',
    ]);
    expect(result.Entries?.[1]?.ErrorMessage).toBe(
      'Parameter Source is not valid. Reason: Source is a required argument.',
    );
    expect(bus.events()).toHaveLength(1);
  });

  it('should refuse a call of more than 10 entries, or of none, as a whole', async () => {
    const { bus, client } = await start();
    const eleven = Array.from({ length: 11 }, () => entry());
    await expect(client.send(new PutEventsCommand({ Entries: eleven }))).rejects.toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(client.send(new PutEventsCommand({ Entries: [] }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    expect(bus.events()).toHaveLength(0);
  });

  it('should refuse a call over 256 KB in total', async () => {
    const { bus, client } = await start();
    const big = JSON.stringify({ blob: 'x'.repeat(40 * 1024) });
    await expect(
      client.send(
        new PutEventsCommand({ Entries: Array.from({ length: 7 }, () => entry({ Detail: big })) }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/over the limit/),
    });
    const accepted = await client.send(
      new PutEventsCommand({ Entries: Array.from({ length: 6 }, () => entry({ Detail: big })) }),
    );
    expect(accepted.FailedEntryCount).toBe(0);
    expect(bus.events()).toHaveLength(6);
  });

  it('should use the entry Time when given', async () => {
    const { bus, client } = await start();
    await client.send(
      new PutEventsCommand({ Entries: [entry({ Time: new Date('2025-06-05T12:00:00.250Z') })] }),
    );
    expect(bus.events()[0]?.time).toBe('2025-06-05T12:00:00Z');
  });

  it('should append every accepted event to the event log file', async () => {
    const dir = temporaryFolder('bus');
    const eventLogPath = join(dir, 'events.jsonl');
    const { client } = await start({ eventLogPath });
    const result = await client.send(
      new PutEventsCommand({ Entries: [entry(), entry({ Source: undefined }), entry()] }),
    );
    const lines = readFileSync(eventLogPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.id)).toEqual([
      result.Entries?.[0]?.EventId,
      result.Entries?.[2]?.EventId,
    ]);
    expect(lines[0]).toMatchObject({
      version: '0',
      'detail-type': 'AmiAvailable',
      detail: AmiAvailableV1.examples[0],
    });
  });
});

describe('target retries and dead letters', () => {
  it('should retry a failing target until it succeeds', async () => {
    let calls = 0;
    const { bus, client } = await start({
      invokeTarget: async () => {
        calls++;
        if (calls < 3) throw new Error('cold start failed');
      },
    });
    bus.putRule({
      name: 'r',
      eventPattern: { source: ['ami-lifecycle.watcher'] },
      targets: [
        {
          id: 't',
          arn: 'arn:t',
          retryPolicy: { maximumRetryAttempts: 5, maximumEventAgeInSeconds: 3600 },
        },
      ],
    });
    await client.send(new PutEventsCommand({ Entries: [entry()] }));
    await bus.whenIdle();
    expect(calls).toBe(3);
    expect(bus.deadLetters()).toEqual([]);
  });

  it('should dead-letter after maximumRetryAttempts retries, with the error, and write the file', async () => {
    const dir = temporaryFolder('bus');
    const deadLetterPath = join(dir, 'dead-letters.jsonl');
    let calls = 0;
    const { bus, client } = await start({
      deadLetterPath,
      invokeTarget: async () => {
        calls++;
        throw new Error('handler crashed');
      },
    });
    bus.putRule({
      name: 'r',
      eventPattern: { source: ['ami-lifecycle.watcher'] },
      targets: [
        {
          id: 't',
          arn: 'arn:t',
          retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
          deadLetterArn: 'arn:aws:sqs:ap-northeast-2:111122223333:dlq',
        },
      ],
    });
    const result = await client.send(new PutEventsCommand({ Entries: [entry()] }));
    await bus.whenIdle();

    expect(calls).toBe(3);
    expect(bus.deadLetters()).toHaveLength(1);
    expect(bus.deadLetters()[0]).toMatchObject({
      target: {
        id: 't',
        ruleName: 'r',
        deadLetterArn: 'arn:aws:sqs:ap-northeast-2:111122223333:dlq',
      },
      event: { id: result.Entries?.[0]?.EventId },
      error: { code: 'TargetError', message: 'handler crashed' },
      attempts: 3,
    });
    const [line] = readFileSync(deadLetterPath, 'utf8').trim().split('\n');
    expect(JSON.parse(line as string)).toMatchObject({
      attempts: 3,
      event: { id: result.Entries?.[0]?.EventId },
    });
  });

  it('should dead-letter at once an error marked not retryable', async () => {
    let calls = 0;
    const { bus } = await start({
      invokeTarget: async () => {
        calls++;
        throw new TargetInvocationError('InvalidParameter', 'bad payload', false);
      },
    });
    bus.putRule({
      name: 'r',
      eventPattern: { source: ['s'] },
      targets: [{ id: 't', arn: 'arn:t' }],
    });
    bus.putEvents([{ Source: 's', DetailType: 'd', Detail: '{}' }]);
    await bus.whenIdle();
    expect(calls).toBe(1);
    expect(bus.deadLetters()[0]?.error).toEqual({
      code: 'InvalidParameter',
      message: 'bad payload',
    });
  });

  it('should stop retrying once the scaled maximum event age has passed', async () => {
    let calls = 0;
    const { bus } = await start({
      retry: { baseDelayMs: 20, maxDelayMs: 20, eventAgeScale: 0.001 },
      invokeTarget: async () => {
        calls++;
        throw new Error('down');
      },
    });
    // 60 s × 0.001 = 60 ms of retries at 20 ms apart, far fewer than the 185 attempts allowed.
    bus.putRule({
      name: 'r',
      eventPattern: { source: ['s'] },
      targets: [
        {
          id: 't',
          arn: 'arn:t',
          retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 60 },
        },
      ],
    });
    bus.putEvents([{ Source: 's', DetailType: 'd', Detail: '{}' }]);
    await bus.whenIdle();
    expect(calls).toBeGreaterThan(1);
    expect(calls).toBeLessThan(10);
    expect(bus.deadLetters()).toHaveLength(1);
  });

  it('should dead-letter a target nobody can invoke instead of dropping it', async () => {
    const { bus } = await start();
    bus.putRule({
      name: 'r',
      eventPattern: { source: ['s'] },
      targets: [{ id: 't', arn: 'arn:aws:lambda:x:1:function:f' }],
    });
    bus.putEvents([{ Source: 's', DetailType: 'd', Detail: '{}' }]);
    await bus.whenIdle();
    expect(bus.deadLetters()[0]?.error.code).toBe('NoInvoker');
  });

  it('should dead-letter deliveries still waiting for a retry when the bus closes', async () => {
    const bus = createEventBus({
      retry: { baseDelayMs: 60_000 },
      invokeTarget: async () => {
        throw new Error('down');
      },
    });
    bus.putRule({
      name: 'r',
      eventPattern: { source: ['s'] },
      targets: [{ id: 't', arn: 'arn:t' }],
    });
    bus.putEvents([{ Source: 's', DetailType: 'd', Detail: '{}' }]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await bus.close();
    expect(bus.deadLetters()[0]?.error.code).toBe('Shutdown');
  });
});

describe('HTTP subscriptions', () => {
  async function sink(statuses: number[]) {
    const received: Array<{ body: unknown; headers: Record<string, unknown> }> = [];
    const server: Server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
          headers: request.headers,
        });
        response.statusCode = statuses.shift() ?? 200;
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
  }

  it('should POST the full envelope of AmiAvailable to a subscribed URL, retrying a 503', async () => {
    const { url, received } = await sink([503]);
    const { bus, client } = await start();
    bus.subscribeHttp(url, AmiAvailableV1.pattern, {
      retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
    });
    const result = await client.send(
      new PutEventsCommand({ Entries: [entry(), entry({ DetailType: 'AmiFailed' })] }),
    );
    await bus.whenIdle();

    expect(received).toHaveLength(2);
    expect(received[1]?.body).toMatchObject({
      version: '0',
      id: result.Entries?.[0]?.EventId,
      'detail-type': 'AmiAvailable',
      detail: AmiAvailableV1.examples[0],
    });
    expect(received[1]?.headers['content-type']).toMatch(/^application\/json/);
    expect(bus.deadLetters()).toEqual([]);
  });

  it('should dead-letter a 400 answer without retrying', async () => {
    const { url, received } = await sink([400, 400]);
    const { bus } = await start();
    bus.subscribeHttp(url, { source: ['s'] });
    bus.putEvents([{ Source: 's', DetailType: 'd', Detail: '{}' }]);
    await bus.whenIdle();
    expect(received).toHaveLength(1);
    expect(bus.deadLetters()[0]?.error).toMatchObject({ code: 'HTTP_400' });
  });

  it('should let a user subscribe with the API: CreateApiDestination, PutRule, PutTargets', async () => {
    const { url, received } = await sink([]);
    const { bus, client, endpoint } = await start();
    const destination = await fetchJson(endpoint, 'CreateApiDestination', {
      Name: 'mine',
      InvocationEndpoint: url,
      HttpMethod: 'POST',
      ConnectionArn: 'arn:aws:events:x:1:connection/c',
    });
    await client.send(
      new PutRuleCommand({ Name: 'mine', EventPattern: JSON.stringify(AmiAvailableV1.pattern) }),
    );
    const put = await client.send(
      new PutTargetsCommand({
        Rule: 'mine',
        Targets: [
          {
            Id: 'hook',
            Arn: destination.ApiDestinationArn,
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
          },
        ],
      }),
    );
    expect(put.FailedEntryCount).toBe(0);

    const rule = await client.send(new DescribeRuleCommand({ Name: 'mine' }));
    expect(JSON.parse(rule.EventPattern as string)).toEqual(AmiAvailableV1.pattern);
    const targets = await client.send(new ListTargetsByRuleCommand({ Rule: 'mine' }));
    expect(targets.Targets?.[0]).toMatchObject({
      Id: 'hook',
      RetryPolicy: { MaximumRetryAttempts: 2 },
    });

    await client.send(new PutEventsCommand({ Entries: [entry()] }));
    await bus.whenIdle();
    expect(received).toHaveLength(1);
  });

  it('should answer InvalidEventPatternException for an unsupported operator in PutRule', async () => {
    const { client } = await start();
    await expect(
      client.send(
        new PutRuleCommand({
          Name: 'bad',
          EventPattern: JSON.stringify({ detail: { x: [{ regex: '.*' }] } }),
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidEventPatternException',
      message: expect.stringMatching(/"regex"/),
    });
  });
});

async function fetchJson(endpoint: LocalEndpoint, operation: string, body: unknown) {
  const response = await fetch(endpoint.url, {
    method: 'POST',
    headers: {
      'x-amz-target': `AWSEvents.${operation}`,
      'content-type': 'application/x-amz-json-1.1',
    },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, string>;
}

const hasCli = 'path' in (await awsCli());

describe('the aws CLI', () => {
  it.skipIf(!hasCli)(
    hasCli
      ? 'should put events with `aws events put-events --endpoint-url`'
      : 'SKIPPED: no `aws` CLI on PATH to put events with `aws events put-events --endpoint-url`',
    async () => {
      const invoker = recordingInvoker();
      const { bus, endpoint } = await start({ invokeTarget: invoker.invokeTarget });
      bus.putRule({
        name: 'r',
        eventPattern: AmiAvailableV1.pattern,
        targets: [{ id: 't', arn: 'arn:t' }],
      });
      // Asynchronous: the endpoint answers from this very process.
      const cli = await promisify(execFile)(
        'aws',
        [
          'events',
          'put-events',
          '--endpoint-url',
          endpoint.url,
          '--output',
          'json',
          '--cli-read-timeout',
          '10',
          '--entries',
          JSON.stringify([entry()]),
        ],
        {
          env: {
            ...process.env,
            AWS_ACCESS_KEY_ID: 'test',
            AWS_SECRET_ACCESS_KEY: 'test',
            AWS_DEFAULT_REGION: 'ap-northeast-2',
            AWS_CONFIG_FILE: '/dev/null',
            AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          },
          encoding: 'utf8',
          timeout: 15_000,
        },
      );
      expect(cli.stderr).toBe('');
      expect(JSON.parse(cli.stdout)).toMatchObject({
        FailedEntryCount: 0,
        Entries: [{ EventId: expect.any(String) }],
      });
      await bus.whenIdle();
      expect(invoker.calls).toHaveLength(1);
    },
  );
});

describe('injected entry failures', () => {
  it('should refuse the next matching entries with InternalFailure, then accept them again', async () => {
    // Prepare
    const { bus, client } = await start();
    const detail = JSON.stringify(AmiAvailableV1.examples[0]);
    bus.injectFailure({ detailType: 'AmiAvailable', detailIncludes: 'ami-', times: 2 });

    // Act
    const answers = [];
    for (let call = 0; call < 3; call++) {
      answers.push(
        await client.send(new PutEventsCommand({ Entries: [entry({ Detail: detail })] })),
      );
    }
    const other = await client.send(
      new PutEventsCommand({ Entries: [entry({ DetailType: 'AmiFailed' })] }),
    );

    // Assess: two refused, the third accepted; another detail-type was never refused.
    expect(answers.map((answer) => answer.FailedEntryCount)).toEqual([1, 1, 0]);
    expect(answers[0]?.Entries?.[0]?.ErrorCode).toBe('InternalFailure');
    expect(other.Entries?.[0]?.ErrorCode).not.toBe('InternalFailure');
    expect(bus.events().filter((event) => event['detail-type'] === 'AmiAvailable')).toHaveLength(1);
  });
});
