import {
  ChangeMessageVisibilityCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalEndpoint, startLocalEndpoint } from '../../../infra/local/endpoint';
import { startEventSourceMapping } from '../../../infra/local/sqs/event-source-mapping';
import {
  type LocalQueueSpec,
  LocalQueues,
  type QueueMessage,
} from '../../../infra/local/sqs/queues';
import { createSqsService } from '../../../infra/local/sqs/service';

const ACCOUNT = '000000000000';
const DEAD: LocalQueueSpec = {
  name: 'dead',
  arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:dead`,
  visibilityTimeoutSeconds: 30,
  retentionSeconds: 1_209_600,
  deadLetters: true,
};
const WORK: LocalQueueSpec = {
  name: 'work',
  arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:work`,
  visibilityTimeoutSeconds: 60,
  retentionSeconds: 86_400,
  redrive: { deadLetterArn: DEAD.arn, maxReceiveCount: 2 },
  deadLetters: false,
};

function queuesAt(clock: { now: number }, deadLetters: QueueMessage[] = []) {
  return new LocalQueues({
    queues: [WORK, DEAD],
    timeScale: 1 / 60,
    now: () => clock.now,
    onDeadLetter: (_queue, message) => deadLetters.push(message),
  });
}

let endpoint: LocalEndpoint | undefined;
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  await endpoint?.close();
  endpoint = undefined;
});

describe('local SQS', () => {
  it('should hide a received message for its visibility timeout, on the scaled clock', () => {
    const clock = { now: 1_000_000 };
    const queues = queuesAt(clock);
    queues.send(WORK.name, 'hello');
    const [message] = queues.receive(WORK.arn, 10);
    expect(queues.receive(WORK.arn, 10)).toEqual([]);
    // 60 s at 1/60 is one second.
    clock.now += 999;
    expect(queues.receive(WORK.arn, 10)).toEqual([]);
    clock.now += 1;
    expect(queues.receive(WORK.arn, 10).map((m) => m.body)).toEqual(['hello']);
    expect(message?.receiveCount).toBe(2);
  });

  it('should move a message received maxReceiveCount times to the dead-letter queue and report it', () => {
    const clock = { now: 1_000_000 };
    const deadLetters: QueueMessage[] = [];
    const queues = queuesAt(clock, deadLetters);
    queues.send(WORK.name, 'poison');
    for (let receive = 0; receive < 3; receive++) {
      queues.receive(WORK.arn, 10);
      clock.now += 1_000;
    }
    expect(queues.list(WORK.name)).toEqual([]);
    expect(queues.list(DEAD.name).map((m) => m.body)).toEqual(['poison']);
    expect(deadLetters.map((m) => m.body)).toEqual(['poison']);
  });

  it("should answer the SDK's SQS client over the JSON protocol", async () => {
    const clock = { now: Date.now() };
    const deadLetters: QueueMessage[] = [];
    const queues = queuesAt(clock, deadLetters);
    let url = '';
    endpoint = await startLocalEndpoint({
      port: 0,
      services: { sqs: createSqsService(queues, (name) => `${url}/${ACCOUNT}/${name}`) },
    });
    url = endpoint.url;
    const sqs = new SQSClient({
      endpoint: url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    stops.push(async () => sqs.destroy());

    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'dead' }));
    expect(QueueUrl).toBe(`${url}/${ACCOUNT}/dead`);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: '{"id":"e1"}',
        MessageAttributes: { reason: { DataType: 'String', StringValue: 'HTTP 410' } },
      }),
    );
    expect(deadLetters.map((m) => m.attributes)).toEqual([{ reason: 'HTTP 410' }]);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }),
    );
    expect(Messages.map((m) => m.Body)).toEqual(['{"id":"e1"}']);
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl,
        ReceiptHandle: Messages[0]?.ReceiptHandle,
        VisibilityTimeout: 600,
      }),
    );
    // 600 s at 1/60 is ten seconds.
    expect(queues.list('dead')[0]?.visibleAt).toBe(clock.now + 10_000);
    await expect(
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl,
          ReceiptHandle: 'not-a-handle',
          VisibilityTimeout: 1,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ReceiptHandleIsInvalid' });
  });

  it('should delete what the function finished and keep what it named as batch item failures', async () => {
    const queues = new LocalQueues({ queues: [WORK, DEAD], timeScale: 1 });
    queues.send(WORK.name, 'done');
    queues.send(WORK.name, 'again');
    const batches: string[][] = [];
    const mapping = startEventSourceMapping({
      queueArn: WORK.arn,
      functionName: 'fn',
      batchSize: 10,
      reportBatchItemFailures: true,
      queues,
      region: 'us-east-1',
      invoke: async (event: SQSEvent) => {
        batches.push(event.Records.map((record) => record.body));
        return {
          batchItemFailures: event.Records.filter((record) => record.body === 'again').map(
            (record) => ({ itemIdentifier: record.messageId }),
          ),
        };
      },
    });
    stops.push(() => mapping.stop());
    await mapping.whenIdle();
    expect(batches).toEqual([['done', 'again']]);
    expect(queues.list(WORK.name).map((m) => m.body)).toEqual(['again']);
    expect(queues.hasVisible(WORK.arn)).toBe(false);
  });
});
