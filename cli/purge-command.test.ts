import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { deployImage, FakeEc2Account, NOW } from '../services/janitor/ec2-account.fake';
import type { Ec2Endpoint } from './cli-deps';
import { EXIT } from './exit-codes';
import { testCli } from './fake-api.test-double';
import { runCli } from './program';

const ec2Mock = mockClient(EC2Client);
let account: FakeEc2Account;

beforeEach(() => {
  ec2Mock.reset();
  account = new FakeEc2Account();
  account.install(ec2Mock);
});

const LOCAL_API = ['--api-url', 'http://127.0.0.1:3000/prod'];
const AWS_API = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod';

/** The table's rows as arrays of cells (columns are separated by two or more spaces). */
function rows(text: string): string[][] {
  const table = text.split('\n\n')[0] ?? '';
  return table
    .split('\n')
    .slice(1)
    .filter((line) => line !== '')
    .map((line) => line.split(/ {2,}/));
}

async function purge(argv: string[]) {
  const endpoints: Ec2Endpoint[] = [];
  const cli = testCli({
    ec2For: async (endpoint) => {
      endpoints.push(endpoint);
      return new EC2Client({ region: 'us-east-1' });
    },
  });
  const code = await runCli(['purge', ...argv], cli.deps);
  return { code, cli, endpoints };
}

describe('ami-lifecycle purge --dry-run', () => {
  it('should list each deploy AMI with the janitor’s decision and reason, deleting nothing', async () => {
    // Prepare
    // The CLI's fake clock reads the fake account's NOW, so ages come out in whole days.
    expect(testCli().now()).toEqual(NOW);
    const expired = deployImage({ instanceName: 'service-api', ageDays: 30 });
    const retained = deployImage({ instanceName: 'service-api', ageDays: 20, retain: true });
    const pending = deployImage({ instanceName: 'service-api', ageDays: 15, state: 'pending' });
    const recent = deployImage({ instanceName: 'service-api', ageDays: 2 });
    const onlyOne = deployImage({ instanceName: 'service-worker', ageDays: 40 });
    account.images = [recent, onlyOne, expired, retained, pending];

    // Act
    const { code, cli, endpoints } = await purge(['--dry-run', ...LOCAL_API]);

    // Assess
    expect(code).toBe(EXIT.ok);
    expect(rows(cli.stdout.text)).toEqual([
      [expired.ImageId, expired.Name, '30d', 'delete', 'older than 14 days'],
      [retained.ImageId, retained.Name, '20d', 'keep', 'retention-tag'],
      [pending.ImageId, pending.Name, '15d', 'keep', 'not settled (pending)'],
      [recent.ImageId, recent.Name, '2d', 'keep', 'younger than 14 days'],
      [onlyOne.ImageId, onlyOne.Name, '40d', 'keep', 'keep-latest (among the newest 1 available)'],
    ]);
    expect(cli.stdout.text).toContain('1 of 5 would be deleted');
    expect(account.deregistered).toEqual([]);
    expect(endpoints).toEqual([
      { endpointUrl: 'http://127.0.0.1:4566', region: 'us-east-1', local: true },
    ]);
  });

  it('should keep what lies beyond the per-run cap, and honour --name, --retention-days and --keep-latest', async () => {
    // Prepare
    const images = [40, 35, 30, 12].map((ageDays) =>
      deployImage({ instanceName: 'service-api', ageDays }),
    );
    account.images = [...images, deployImage({ instanceName: 'service-worker', ageDays: 50 })];

    // Act
    const { cli } = await purge([
      '--dry-run',
      '--name',
      'service-api',
      '--retention-days',
      '10',
      '--keep-latest',
      '2',
      '--max-deletions',
      '1',
      ...LOCAL_API,
    ]);

    // Assess
    expect(rows(cli.stdout.text).map((row) => [row[0], row[3], row[4]])).toEqual([
      [images[0]?.ImageId, 'delete', 'older than 10 days'],
      [images[1]?.ImageId, 'keep', 'deletion-cap (1 per run)'],
      [images[2]?.ImageId, 'keep', 'keep-latest (among the newest 2 available)'],
      [images[3]?.ImageId, 'keep', 'keep-latest (among the newest 2 available)'],
    ]);
  });

  it('should exit 2 naming the EC2 endpoint it cannot reach', async () => {
    // Prepare
    ec2Mock
      .on(DescribeImagesCommand)
      .rejects(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4599'), { code: 'ECONNREFUSED' }),
      );

    // Act
    const { code, cli } = await purge(['--dry-run', '--endpoint-url', 'http://127.0.0.1:4599']);

    // Assess
    expect(code).toBe(EXIT.usage);
    expect(cli.stdout.text).toBe('');
    expect(cli.stderr.text).toBe(
      'ami-lifecycle: cannot reach EC2 at http://127.0.0.1:4599: connect ECONNREFUSED 127.0.0.1:4599\n',
    );
  });

  it('should name EC2’s own error and where it was read', async () => {
    // Prepare
    ec2Mock.on(DescribeImagesCommand).rejects(
      Object.assign(new Error('You are not authorized to perform this operation.'), {
        name: 'UnauthorizedOperation',
      }),
    );

    // Act
    const { code, cli } = await purge(['--dry-run', '--region', 'eu-west-1', '--api-url', AWS_API]);

    // Assess
    expect(code).toBe(EXIT.usage);
    expect(cli.stderr.text).toBe(
      'ami-lifecycle: EC2 DescribeImages in eu-west-1 failed: UnauthorizedOperation: You are not authorized to perform this operation.\n',
    );
  });

  it('should use the given EC2 endpoint, and AWS with the caller’s credentials for an API on AWS', async () => {
    const given = await purge(['--dry-run', '--endpoint-url', 'http://localhost:4599']);
    const onAws = await purge([
      '--dry-run',
      '--region',
      'eu-west-1',
      '--api-url',
      'https://abc123.execute-api.eu-west-1.amazonaws.com/prod',
    ]);

    expect(given.endpoints).toEqual([
      { endpointUrl: 'http://localhost:4599', region: 'us-east-1', local: true },
    ]);
    expect(onAws.endpoints).toEqual([{ region: 'eu-west-1', local: false }]);
    expect(onAws.cli.stdout.text).toBe('no deploy AMIs found\n');
  });
});
