import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from '../shared/config';
import { scheduledEvent } from './janitor.fixtures';

const ec2Mock = mockClient(EC2Client);
const eventBridgeMock = mockClient(EventBridgeClient);

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
  ec2Mock.reset();
  eventBridgeMock.reset();
});

describe('janitor handler module', () => {
  it('should fail at cold start naming the missing variable', async () => {
    vi.stubEnv('EVENT_BUS_NAME', '');
    await expect(import('./handler')).rejects.toThrow(ConfigurationError);
    await expect(import('./handler')).rejects.toThrow(/EVENT_BUS_NAME/);
  });

  it('should run a purge with its environment and publish to the configured bus', async () => {
    vi.stubEnv('EVENT_BUS_NAME', 'ami-lifecycle-test');
    vi.stubEnv('AWS_REGION', 'ap-northeast-2');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    ec2Mock.on(DescribeImagesCommand).resolves({ Images: [] });
    eventBridgeMock
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const { handler } = await import('./handler');

    const result = await handler(scheduledEvent(), {
      awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      getRemainingTimeInMillis: () => 600_000,
    });

    expect(result).toMatchObject({ purged: 0, continued: false, parts: [1] });
    expect(eventBridgeMock).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        expect.objectContaining({ EventBusName: 'ami-lifecycle-test', DetailType: 'AmiPurged' }),
      ],
    });
  });
});
