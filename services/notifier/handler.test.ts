import { DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DescribeImagesCommand, EC2Client, type Image } from '@aws-sdk/client-ec2';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AmiAvailableV1 } from '../../events/ami-available.v1';
import { AmiCreatedV1 } from '../../events/ami-created.v1';
import { AmiFailedV1 } from '../../events/ami-failed.v1';
import { AmiPurgedV1 } from '../../events/ami-purged.v1';
import { ConfigurationError } from '../shared/config';
import { METRIC } from '../shared/observability';
import { DEPLOY_REASON, TAG } from '../shared/tags';
import {
  answer,
  captureOutput,
  eventBridgeEvent,
  fakePost,
  type Reply,
  sqsRecord,
} from './fixtures';

const JANDI = 'https://wh.jandi.com/connect-api/webhook/15016768/0a1b2c3d4e5f-secrettoken';
const ARN =
  'arn:aws:secretsmanager:ap-northeast-2:111122223333:secret:ami-lifecycle/webhooks-AbCdEf';

const context: Context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'ami-lifecycle-notifier',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:ap-northeast-2:111122223333:function:ami-lifecycle-notifier',
  memoryLimitInMB: '256',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: '/aws/lambda/ami-lifecycle-notifier',
  logStreamName: '2025/06/05/[$LATEST]abcdef',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

let output: ReturnType<typeof captureOutput>;
const secretsManager = mockClient(SecretsManagerClient);
const ec2 = mockClient(EC2Client);
const sqs = mockClient(SQSClient);
const dynamodb = mockClient(DynamoDBClient);
const QUEUE_URL = 'https://sqs.ap-northeast-2.amazonaws.com/111122223333/notifications';
const DEAD_LETTER_QUEUE_URL = 'https://sqs.ap-northeast-2.amazonaws.com/111122223333/undelivered';

/** The queue message Lambda hands the notifier for one EventBridge event. */
const queued = (event: unknown) => ({ Records: [sqsRecord(event)] });

/** What the notifier sent to the dead-letter queue, with the reason. */
function deadLetters() {
  return sqs.commandCalls(SendMessageCommand).map((call) => ({
    queueUrl: call.args[0].input.QueueUrl,
    body: call.args[0].input.MessageBody,
    reason: call.args[0].input.MessageAttributes?.reason?.StringValue,
  }));
}
/** The images EC2 knows, by id: the example's AMI, available and tagged as ours. */
let images: Map<string, Image>;

beforeEach(() => {
  vi.resetModules();
  secretsManager.reset();
  ec2.reset();
  sqs.reset();
  dynamodb.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dead-letter-1' });
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
  dynamodb.on(QueryCommand).resolves({ Items: [] });
  dynamodb.on(PutItemCommand).resolves({});
  const example = AmiAvailableV1.examples[0]?.data;
  images = new Map([
    [
      example?.imageId ?? '',
      {
        ImageId: example?.imageId,
        State: 'available',
        Tags: [
          { Key: TAG.reason, Value: DEPLOY_REASON },
          { Key: TAG.instanceName, Value: example?.instanceName },
        ],
      },
    ],
  ]);
  ec2.on(DescribeImagesCommand).callsFake((input) => ({
    Images: (input.ImageIds ?? []).flatMap((id: string) => images.get(id) ?? []),
  }));
  vi.stubEnv('AWS_REGION', 'ap-northeast-2');
  vi.stubEnv('NOTIFICATION_QUEUE_URL', QUEUE_URL);
  vi.stubEnv('NOTIFICATION_DEAD_LETTER_QUEUE_URL', DEAD_LETTER_QUEUE_URL);
  vi.stubEnv('DELIVERY_TABLE_NAME', 'deliveries');
  output = captureOutput();
});
afterEach(() => {
  output.restore();
  vi.unstubAllEnvs();
  vi.doUnmock('./post-webhook');
});

/** Loads the handler as Lambda does: configuration read from the environment at import. */
async function coldStart(environment: Record<string, string>, replies: Record<string, Reply[]>) {
  for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);
  const { post, requests } = fakePost(replies);
  // The handler runs unchanged; only its way of posting is replaced.
  vi.doMock('./post-webhook', () => ({ postWebhook: post }));
  const { handler } = await import('./handler');
  return { handler, requests };
}

function metricsEmitted(name: string): number {
  return output
    .json()
    .reduce((total, line) => total + (typeof line[name] === 'number' ? line[name] : 0), 0);
}

describe('notifier handler', () => {
  it("should post the original system's JANDI message when an AMI becomes available", async () => {
    // Prepare
    const { handler, requests } = await coldStart(
      { WEBHOOK_URL: JANDI },
      { [JANDI]: [answer(200)] },
    );
    // Act
    await handler(queued(eventBridgeEvent(AmiAvailableV1, AmiAvailableV1.examples[0])), context);
    // Assess
    expect(requests).toHaveLength(1);
    expect(requests[0]?.headers.accept).toBe('application/vnd.tosslab.jandi-v2+json');
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual({
      body: 'AMI Is Available.',
      connectColor: '#28a745',
      connectInfo: [
        {
          title: 'Complete AMI Create. AMI State Available.',
          description: 'AMI ID: ami-0123456789abcdef0, Name: service-api-Deploy-2025-06-05_12_00',
        },
      ],
    });
    expect(metricsEmitted(METRIC.available)).toBe(1);
    const logs = output.json().filter((line) => 'message' in line);
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) {
      expect(line).toMatchObject({
        function_request_id: context.awsRequestId,
        requestId: '01JDEPLOY0000000000000001',
      });
    }
    expect(output.text()).not.toContain('secrettoken');
  });

  it('should count a failed AMI and post it in the configured format', async () => {
    const { handler, requests } = await coldStart(
      { WEBHOOK_URL: JANDI, WEBHOOK_FORMAT: 'slack' },
      { [JANDI]: [answer(200)] },
    );
    await handler(queued(eventBridgeEvent(AmiFailedV1, AmiFailedV1.examples[0])), context);
    expect(JSON.parse(requests[0]?.body ?? '').text).toContain('AMI failed: service-worker');
    expect(metricsEmitted(METRIC.failed)).toBe(1);
    expect(metricsEmitted(METRIC.available)).toBe(0);
  });

  it('should deliver to the targets held in the Secrets Manager secret', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: ARN }).resolves({
      SecretString: JSON.stringify([{ url: JANDI, format: 'discord', events: ['AmiPurged'] }]),
    });
    const { handler, requests } = await coldStart(
      { WEBHOOK_SECRET_ARN: ARN },
      { [JANDI]: [answer(204)] },
    );
    await handler(queued(eventBridgeEvent(AmiPurgedV1, AmiPurgedV1.examples[0])), context);
    await handler(queued(eventBridgeEvent(AmiAvailableV1, AmiAvailableV1.examples[0])), context);
    expect(requests).toHaveLength(1);
    expect(JSON.parse(requests[0]?.body ?? '').embeds[0].title).toBe('AMI purge: service-api');
  });

  it.each([
    [
      'an event the notifier does not consume',
      eventBridgeEvent(AmiCreatedV1, AmiCreatedV1.examples[0]),
      /got detail-type "AmiCreated"/,
    ],
    [
      'a detail that breaks the contract',
      eventBridgeEvent(AmiAvailableV1, {
        ...AmiAvailableV1.examples[0],
        data: { imageId: 'nope' },
      }),
      /detail\.data\.imageId/,
    ],
    ['something that is not an EventBridge event', { hello: 'world' }, /got detail-type undefined/],
  ])(
    'should dead-letter %s with the reason at once and post nothing',
    async (_name, event, message) => {
      const { handler, requests } = await coldStart({ WEBHOOK_URL: JANDI }, {});
      const result = await handler(queued(event), context);
      expect(result.batchItemFailures).toEqual([]);
      expect(deadLetters()).toEqual([
        {
          queueUrl: DEAD_LETTER_QUEUE_URL,
          body: JSON.stringify(event),
          reason: expect.stringMatching(message),
        },
      ]);
      expect(requests).toHaveLength(0);
    },
  );

  it.each([
    ['an image that does not exist', () => images.clear(), /does not exist/],
    [
      'an image still pending',
      () => {
        for (const image of images.values()) image.State = 'pending';
      },
      /is pending, not available/,
    ],
    [
      'an image without our tags',
      () => {
        for (const image of images.values()) image.Tags = [];
      },
      /is not a Deploy image of service-api/,
    ],
  ])(
    'should announce nothing for an AmiAvailable claiming %s, and dead-letter it',
    async (_name, change, message) => {
      // Prepare: a forged AmiAvailable, as any principal allowed to put events could send.
      change();
      const { handler, requests } = await coldStart(
        { WEBHOOK_URL: JANDI },
        { [JANDI]: [answer(200)] },
      );

      // Act
      const result = await handler(
        queued(eventBridgeEvent(AmiAvailableV1, AmiAvailableV1.examples[0])),
        context,
      );

      // Assess
      expect(result.batchItemFailures).toEqual([]);
      expect(deadLetters()).toEqual([
        expect.objectContaining({
          queueUrl: DEAD_LETTER_QUEUE_URL,
          reason: expect.stringMatching(message),
        }),
      ]);
      expect(requests).toHaveLength(0);
      expect(metricsEmitted(METRIC.available)).toBe(0);
    },
  );

  it('should hand a notification back to the queue with a backoff while its webhook keeps failing', async () => {
    const { handler, requests } = await coldStart(
      { WEBHOOK_URL: JANDI, WEBHOOK_RETRY_BUDGET_MS: '0' },
      { [JANDI]: [answer(502)] },
    );
    const result = await handler(
      queued(eventBridgeEvent(AmiAvailableV1, AmiAvailableV1.examples[0])),
      context,
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'message-1' }]);
    const [visibility] = sqs.commandCalls(ChangeMessageVisibilityCommand);
    expect(visibility?.args[0].input).toMatchObject({
      QueueUrl: QUEUE_URL,
      ReceiptHandle: 'receipt-1',
    });
    expect(visibility?.args[0].input.VisibilityTimeout).toBeGreaterThanOrEqual(24);
    expect(deadLetters()).toEqual([]);
    expect(requests).toHaveLength(1);
    expect(output.text()).not.toContain('secrettoken');
  });

  it('should record a delivery in the table by a hash of the target, never its URL', async () => {
    const { handler } = await coldStart({ WEBHOOK_URL: JANDI }, { [JANDI]: [answer(200)] });
    await handler(queued(eventBridgeEvent(AmiFailedV1, AmiFailedV1.examples[0])), context);
    const [put] = dynamodb.commandCalls(PutItemCommand);
    expect(put?.args[0].input).toMatchObject({
      TableName: 'deliveries',
      Item: { eventId: { S: '7f3c9a52-1b2e-4d6f-8a90-3c4d5e6f7a8b' }, outcome: { S: 'delivered' } },
    });
    expect(JSON.stringify(put?.args[0].input)).not.toContain('secrettoken');
  });

  it('should refuse to start without a webhook target, naming the variables', async () => {
    vi.stubEnv('WEBHOOK_URL', undefined);
    vi.stubEnv('WEBHOOK_TARGETS', undefined);
    vi.stubEnv('WEBHOOK_SECRET_ARN', undefined);
    const loading = import('./handler');
    await expect(loading).rejects.toMatchObject({ name: ConfigurationError.name });
    await expect(loading).rejects.toThrow(/WEBHOOK_URL, WEBHOOK_TARGETS, WEBHOOK_SECRET_ARN/);
  });
});
