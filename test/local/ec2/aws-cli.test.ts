import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from '../../tools';
import { DUMMY_CREDENTIALS, type RunningEc2, startEc2 } from './harness';

const run = promisify(execFile);

const available = 'path' in (await awsCli());
if (!available) console.warn('aws CLI not found on PATH: skipping the aws CLI test');

describe.skipIf(!available)('the aws CLI against the emulator', () => {
  let ec2: RunningEc2;
  beforeAll(async () => {
    ec2 = await startEc2();
    ec2.service.seed({ images: [{ name: 'cli-visible', tags: { Reason: 'Deploy' } }] });
  });
  afterAll(() => ec2.close());

  const aws = async (...args: string[]) => {
    const { stdout } = await run(
      'aws',
      ['ec2', ...args, '--endpoint-url', ec2.endpoint, '--region', 'us-east-1', '--output', 'json'],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
          AWS_MAX_ATTEMPTS: '1',
        },
      },
    );
    return JSON.parse(stdout);
  };

  it('should list images with describe-images --owners self --filters', async () => {
    const result = await aws(
      'describe-images',
      '--owners',
      'self',
      '--filters',
      'Name=tag:Reason,Values=Deploy',
    );
    expect(result.Images.map((image: { Name: string }) => image.Name)).toEqual(['cli-visible']);
  });

  it('should show the AWS error code when an image does not exist', async () => {
    const failure = await aws('describe-images', '--image-ids', 'ami-0123456789abcdef0').catch(
      (error: { stderr: string }) => error.stderr,
    );
    expect(failure).toContain('InvalidAMIID.NotFound');
  });
});
