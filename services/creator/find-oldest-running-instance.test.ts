import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeEc2Account } from './fake-cloud.test-double';
import { findOldestRunningInstance } from './find-oldest-running-instance';

const client = new EC2Client({ region: 'ap-northeast-2' });

describe('findOldestRunningInstance', () => {
  let account: ReturnType<typeof fakeEc2Account>;

  beforeEach(() => {
    account = fakeEc2Account({ pageSize: 2 });
  });

  it('should pick the oldest running instance across several pages', async () => {
    // Prepare: the oldest is on the last of three pages.
    account.addInstance({
      id: 'i-0000000000000000a',
      name: 'api',
      launchTime: '2025-05-03T00:00:00Z',
    });
    account.addInstance({
      id: 'i-0000000000000000b',
      name: 'api',
      launchTime: '2025-05-02T00:00:00Z',
    });
    account.addInstance({
      id: 'i-0000000000000000c',
      name: 'api',
      launchTime: '2025-05-04T00:00:00Z',
    });
    account.addInstance({
      id: 'i-0000000000000000d',
      name: 'api',
      launchTime: '2025-05-05T00:00:00Z',
    });
    account.addInstance({
      id: 'i-0000000000000000e',
      name: 'api',
      launchTime: '2025-04-01T00:00:00Z',
    });

    // Act
    const oldest = await findOldestRunningInstance(client, 'api');

    // Assess
    expect(oldest?.instanceId).toBe('i-0000000000000000e');
    expect(account.ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 3);
    expect(account.ec2).toHaveReceivedNthCommandWith(DescribeInstancesCommand, 1, {
      Filters: [
        { Name: 'tag:Name', Values: ['api'] },
        { Name: 'instance-state-name', Values: ['running'] },
      ],
    });
  });

  it('should ignore instances that are not running or have another name', async () => {
    account.addInstance({
      id: 'i-0000000000000000a',
      name: 'api',
      launchTime: '2020-01-01T00:00:00Z',
      state: 'stopped',
    });
    account.addInstance({
      id: 'i-0000000000000000b',
      name: 'worker',
      launchTime: '2020-01-01T00:00:00Z',
    });
    account.addInstance({
      id: 'i-0000000000000000c',
      name: 'api',
      launchTime: '2025-05-01T00:00:00Z',
    });

    expect((await findOldestRunningInstance(client, 'api'))?.instanceId).toBe(
      'i-0000000000000000c',
    );
  });

  it('should break a launch-time tie by the lowest instance id, whatever the order', async () => {
    account.addInstance({
      id: 'i-0000000000000000f',
      name: 'api',
      launchTime: '2025-05-01T00:00:00Z',
    });
    account.addInstance({
      id: 'i-0000000000000000a',
      name: 'api',
      launchTime: '2025-05-01T00:00:00Z',
    });
    account.addInstance({
      id: 'i-0000000000000000c',
      name: 'api',
      launchTime: '2025-05-01T00:00:00Z',
    });

    expect((await findOldestRunningInstance(client, 'api'))?.instanceId).toBe(
      'i-0000000000000000a',
    );
  });

  it('should return undefined when no running instance has the name', async () => {
    expect(await findOldestRunningInstance(client, 'api')).toBeUndefined();
  });
});
