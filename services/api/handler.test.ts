import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAmiEvent, lambdaContext } from './api-gateway-event.fixture';

// Mocks the client the module builds itself, so the wiring is tested as deployed.
const eventBridge = mockClient(EventBridgeClient);
const dynamodb = mockClient(DynamoDBClient);

beforeEach(() => {
  vi.resetModules();
  eventBridge.reset();
  dynamodb.reset();
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('LEDGER_TABLE_NAME', 'ami-lifecycle-requests');
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('api handler module', () => {
  it('should fail at cold start naming EVENT_BUS_NAME when it is not set', async () => {
    vi.stubEnv('EVENT_BUS_NAME', undefined);

    await expect(import('./handler')).rejects.toThrow(/EVENT_BUS_NAME/);
  });

  it('should publish to the configured bus with the API source', async () => {
    // Prepare
    vi.stubEnv('EVENT_BUS_NAME', 'ami-lifecycle-prod');
    dynamodb.on(UpdateItemCommand).resolves({});
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const { handler } = await import('./handler');

    // Act
    const response = await handler(createAmiEvent(), lambdaContext());

    // Assess
    expect(response.statusCode).toBe(202);
    const { requestId } = JSON.parse(response.body);
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        expect.objectContaining({
          EventBusName: 'ami-lifecycle-prod',
          Source: 'ami-lifecycle.api',
          DetailType: 'AmiRequested',
          Detail: expect.stringContaining(`"requestId":"${requestId}"`),
        }),
      ],
    });
    // The name is recorded in the configured ledger before it is published.
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      TableName: 'ami-lifecycle-requests',
      Key: { requestId: { S: requestId }, instanceName: { S: 'service-api' } },
    });
  });
});
