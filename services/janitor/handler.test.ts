import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from '../shared/config';
import { scheduledEvent } from './janitor.fixtures';

const ec2Mock = mockClient(EC2Client);
const sfnMock = mockClient(SFNClient);
const STATE_MACHINE =
  'arn:aws:states:ap-northeast-2:111122223333:stateMachine:AmiLifecycle-purge-run';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
  ec2Mock.reset();
  sfnMock.reset();
});

describe('janitor handler module', () => {
  it('should fail at cold start naming the missing variable', async () => {
    vi.stubEnv('EVENT_BUS_NAME', '');
    await expect(import('./handler')).rejects.toThrow(ConfigurationError);
    await expect(import('./handler')).rejects.toThrow(/EVENT_BUS_NAME/);
  });

  it('should start a purge run of the configured state machine, named after the run', async () => {
    vi.stubEnv('EVENT_BUS_NAME', 'ami-lifecycle-test');
    vi.stubEnv('JOURNAL_TABLE_NAME', 'journal');
    vi.stubEnv('PURGE_RUN_STATE_MACHINE_ARN', STATE_MACHINE);
    vi.stubEnv('AWS_REGION', 'ap-northeast-2');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${STATE_MACHINE}:x` });
    const { handler } = await import('./handler');

    const result = await handler(scheduledEvent(), {
      awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      getRemainingTimeInMillis: () => 600_000,
    });

    expect(result).toMatchObject({ started: true });
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: STATE_MACHINE,
      name: 'schedule-20250620T030000Z-89d1a02d-5ec7-412e-82f5-13505f849b41',
      input: JSON.stringify({
        trigger: 'schedule',
        requestId: 'schedule-20250620T030000Z-89d1a02d-5ec7-412e-82f5-13505f849b41',
      }),
    });
    // A trigger only starts a run: it reads and deletes nothing itself.
    expect(ec2Mock).not.toHaveReceivedCommand(DescribeImagesCommand);
  });
});
