import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  DeleteParameterCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  PutParameterCommand,
  type PutParameterCommandInput,
  paginateDescribeParameters,
  paginateGetParametersByPath,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSsmService } from '../../../infra/local/ssm';
import { awsCli } from '../../tools';
import { DUMMY_CREDENTIALS, errorOf } from '../ec2/harness';
import { type RunningParameterStore, startParameterStore } from './harness';

const run = promisify(execFile);
const IMAGE_A = 'ami-0aaaaaaaaaaaaaaaa';
const IMAGE_B = 'ami-0bbbbbbbbbbbbbbbb';

let local: RunningParameterStore;
beforeAll(async () => {
  local = await startParameterStore();
});
afterAll(() => local.close());
beforeEach(() => local.ssm.reset());

const put = (input: Partial<PutParameterCommandInput> & { Name: string }) =>
  local.ssmClient.send(new PutParameterCommand({ Value: 'v', Type: 'String', ...input }));

describe('PutParameter and GetParameter', () => {
  it('should store an AMI parameter and answer it with ARN, version and date', async () => {
    const putResult = await put({
      Name: '/ami-lifecycle/service-api/latest',
      Value: IMAGE_A,
      DataType: 'aws:ec2:image',
    });
    const { Parameter } = await local.ssmClient.send(
      new GetParameterCommand({ Name: '/ami-lifecycle/service-api/latest' }),
    );

    expect(putResult).toMatchObject({ Version: 1, Tier: 'Standard' });
    expect(Parameter).toMatchObject({
      Name: '/ami-lifecycle/service-api/latest',
      Type: 'String',
      Value: IMAGE_A,
      Version: 1,
      DataType: 'aws:ec2:image',
      ARN: 'arn:aws:ssm:us-east-1:123456789012:parameter/ami-lifecycle/service-api/latest',
    });
    expect(Parameter?.LastModifiedDate).toEqual(new Date(local.clock.now()));
  });

  it('should refuse to replace a parameter without Overwrite, and count versions with it', async () => {
    await put({ Name: '/app/ami', Value: IMAGE_A, DataType: 'aws:ec2:image' });
    const refused = await errorOf(put({ Name: '/app/ami', Value: IMAGE_B }));
    local.clock.advance(1_000);
    const overwritten = await put({ Name: '/app/ami', Value: IMAGE_B, Overwrite: true });
    const latest = await local.ssmClient.send(new GetParameterCommand({ Name: '/app/ami' }));
    const first = await local.ssmClient.send(new GetParameterCommand({ Name: '/app/ami:1' }));

    expect(refused.name).toBe('ParameterAlreadyExists');
    expect(overwritten.Version).toBe(2);
    expect(latest.Parameter).toMatchObject({
      Value: IMAGE_B,
      Version: 2,
      DataType: 'aws:ec2:image',
    });
    expect(first.Parameter).toMatchObject({ Value: IMAGE_A, Version: 1, Selector: ':1' });
  });

  it('should refuse an aws:ec2:image value that is not an AMI id, and unknown data types', async () => {
    const notAmi = await errorOf(
      put({ Name: '/app/ami', Value: 'latest', DataType: 'aws:ec2:image' }),
    );
    const badType = await errorOf(put({ Name: '/app/x', DataType: 'AWS:EC2:IMAGE' }));
    const missing = await errorOf(
      local.ssmClient.send(new GetParameterCommand({ Name: '/app/ami' })),
    );

    expect(notAmi.name).toBe('ValidationException');
    expect(badType.name).toBe('ValidationException');
    expect(missing.name).toBe('ParameterNotFound');
  });

  it('should treat a root name with and without its leading slash as one parameter', async () => {
    await put({ Name: 'golden-ami', Value: IMAGE_A });
    const withSlash = await local.ssmClient.send(new GetParameterCommand({ Name: '/golden-ami' }));
    const byArn = await local.ssmClient.send(
      new GetParameterCommand({ Name: 'arn:aws:ssm:us-east-1:123456789012:parameter/golden-ami' }),
    );
    const twice = await errorOf(put({ Name: '/golden-ami', Value: IMAGE_B }));

    expect(withSlash.Parameter).toMatchObject({ Name: 'golden-ami', Value: IMAGE_A });
    expect(byArn.Parameter?.Value).toBe(IMAGE_A);
    expect(twice.name).toBe('ParameterAlreadyExists');
  });

  it('should refuse reserved and malformed names', async () => {
    expect((await errorOf(put({ Name: 'aws-thing' }))).name).toBe('ValidationException');
    expect((await errorOf(put({ Name: 'app/no-leading-slash' }))).name).toBe('ValidationException');
    expect((await errorOf(put({ Name: '/aws/service/x' }))).name).toBe('AccessDeniedException');
  });
});

describe('GetParameters', () => {
  it('should answer found parameters and list unknown names in InvalidParameters', async () => {
    await put({ Name: '/a', Value: '1' });
    await put({ Name: '/b', Value: '2' });
    const result = await local.ssmClient.send(
      new GetParametersCommand({ Names: ['/a', '/missing', 'b'] }),
    );

    expect(result.Parameters?.map((p) => [p.Name, p.Value])).toEqual([
      ['/a', '1'],
      ['/b', '2'],
    ]);
    expect(result.InvalidParameters).toEqual(['/missing']);
  });

  it('should refuse more than 10 names', async () => {
    const names = Array.from({ length: 11 }, (_, i) => `/p${i}`);
    const error = await errorOf(local.ssmClient.send(new GetParametersCommand({ Names: names })));
    expect(error.name).toBe('ValidationException');
  });
});

describe('GetParametersByPath', () => {
  beforeEach(async () => {
    await put({ Name: 'root-level' });
    await put({ Name: '/ami-lifecycle/a/latest', Value: IMAGE_A, DataType: 'aws:ec2:image' });
    await put({ Name: '/ami-lifecycle/b/latest', Value: IMAGE_B, DataType: 'aws:ec2:image' });
    await put({ Name: '/ami-lifecycle/settings' });
    await put({ Name: '/other/x' });
  });

  it('should list one level, or every level when recursive', async () => {
    const names = async (Path: string, Recursive?: boolean) =>
      (
        await local.ssmClient.send(new GetParametersByPathCommand({ Path, Recursive }))
      ).Parameters?.map((p) => p.Name);

    expect(await names('/ami-lifecycle')).toEqual(['/ami-lifecycle/settings']);
    expect(await names('/ami-lifecycle/', true)).toEqual([
      '/ami-lifecycle/a/latest',
      '/ami-lifecycle/b/latest',
      '/ami-lifecycle/settings',
    ]);
    expect(await names('/')).toEqual(['root-level']);
    expect((await errorOf(names('ami-lifecycle'))).name).toBe('ValidationException');
  });

  it('should page with the SDK paginator and filter by data type', async () => {
    const seen: string[] = [];
    for await (const page of paginateGetParametersByPath(
      { client: local.ssmClient, pageSize: 1 },
      {
        Path: '/ami-lifecycle',
        Recursive: true,
        ParameterFilters: [{ Key: 'DataType', Values: ['aws:ec2:image'] }],
      },
    )) {
      expect(page.Parameters?.length).toBeLessThanOrEqual(1);
      seen.push(...(page.Parameters ?? []).map((p) => p.Value as string));
    }
    expect(seen).toEqual([IMAGE_A, IMAGE_B]);
  });
});

describe('DescribeParameters', () => {
  beforeEach(async () => {
    for (let i = 0; i < 7; i++) {
      await put({
        Name: `/ami-lifecycle/s${i}/latest`,
        Value: `ami-0${String(i).repeat(16)}`,
        DataType: 'aws:ec2:image',
      });
    }
    await put({ Name: '/ami-lifecycle/settings', Description: 'not an image' });
  });

  it('should filter by DataType Equals and Name BeginsWith, paging with the paginator', async () => {
    const seen: string[] = [];
    for await (const page of paginateDescribeParameters(
      { client: local.ssmClient, pageSize: 3 },
      {
        ParameterFilters: [
          { Key: 'DataType', Option: 'Equals', Values: ['aws:ec2:image'] },
          { Key: 'Name', Option: 'BeginsWith', Values: ['/ami-lifecycle/s'] },
        ],
      },
    )) {
      seen.push(...(page.Parameters ?? []).map((p) => p.Name as string));
    }
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
  });

  it('should describe metadata without values, and answer errors for bad filters', async () => {
    const result = await local.ssmClient.send(
      new DescribeParametersCommand({
        ParameterFilters: [{ Key: 'Name', Values: ['/ami-lifecycle/settings'] }],
      }),
    );
    const badKey = await errorOf(
      local.ssmClient.send(
        new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Colour', Values: ['x'] }] }),
      ),
    );
    const badOption = await errorOf(
      local.ssmClient.send(
        new DescribeParametersCommand({
          ParameterFilters: [{ Key: 'DataType', Option: 'BeginsWith', Values: ['text'] }],
        }),
      ),
    );

    expect(result.Parameters).toEqual([
      expect.objectContaining({
        Name: '/ami-lifecycle/settings',
        Description: 'not an image',
        DataType: 'text',
        Version: 1,
      }),
    ]);
    expect(result.Parameters?.[0]).not.toHaveProperty('Value');
    expect(badKey.name).toBe('InvalidFilterKey');
    expect(badOption.name).toBe('InvalidFilterOption');
  });
});

describe('DeleteParameter and persistence', () => {
  it('should delete a parameter once, then answer ParameterNotFound', async () => {
    await put({ Name: '/gone' });
    await local.ssmClient.send(new DeleteParameterCommand({ Name: '/gone' }));
    const again = await errorOf(
      local.ssmClient.send(new DeleteParameterCommand({ Name: '/gone' })),
    );
    expect(again.name).toBe('ParameterNotFound');
  });

  it('should come back from a saved state with values and versions', async () => {
    await put({ Name: '/kept', Value: IMAGE_A });
    await put({ Name: '/kept', Value: IMAGE_B, Overwrite: true });
    const restored = createSsmService({
      state: JSON.parse(JSON.stringify(local.ssm.snapshotState())),
    });

    expect(restored.parameters.valueOf('/kept')).toBe(IMAGE_B);
    expect(restored.parameters.valueOf('/kept:1')).toBe(IMAGE_A);
  });
});

const cliAvailable = 'path' in (await awsCli());
if (!cliAvailable) console.warn('aws CLI not found on PATH: skipping the aws ssm CLI test');

describe.skipIf(!cliAvailable)('the aws CLI against Parameter Store', () => {
  it('should read a parameter with aws ssm get-parameter --endpoint-url', async () => {
    await put({ Name: '/ami-lifecycle/cli/latest', Value: IMAGE_A, DataType: 'aws:ec2:image' });
    const { stdout } = await run(
      'aws',
      [
        'ssm',
        'get-parameter',
        '--name',
        '/ami-lifecycle/cli/latest',
        '--endpoint-url',
        local.endpoint.url,
        '--region',
        'us-east-1',
        '--output',
        'json',
      ],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
          AWS_MAX_ATTEMPTS: '1',
        },
      },
    );
    expect(JSON.parse(stdout).Parameter).toMatchObject({
      Name: '/ami-lifecycle/cli/latest',
      Value: IMAGE_A,
      DataType: 'aws:ec2:image',
    });
  });
});
