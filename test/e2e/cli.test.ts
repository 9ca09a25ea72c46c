import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RequestStatus, requestStatusSchema } from '../../services/api/request-status';
import { awsCli, runToEnd } from '../tools';
import { startTestCloud } from './local-cloud-client';
import { freePort } from './local-cloud-process';

const BIN = fileURLToPath(new URL('../../cli/bin.mjs', import.meta.url));

let system: Awaited<ReturnType<typeof startTestCloud>>;
let apiUrl: string;

beforeAll(async () => {
  system = await startTestCloud();
  apiUrl = system.cloud.createAmiUrl.replace(/\/create-ami$/, '');
}, 120_000);

afterAll(async () => {
  await system?.stop();
});

/** Runs the CLI as a pipeline does: its own process, on the Node that runs the tests. */
async function cli(...args: string[]) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    // The local cloud's clock is shortened; so is the wait between two status reads.
    AMI_LIFECYCLE_POLL_INTERVAL: '1s',
  };
  delete env.AMI_LIFECYCLE_API_URL;
  const { status, stdout, stderr } = await runToEnd(
    process.execPath,
    ['--no-warnings', BIN, ...args],
    { env },
  );
  return { exitCode: status, stdout, stderr };
}

function parseStatus(stdout: string): RequestStatus {
  return requestStatusSchema.parse(JSON.parse(stdout));
}

describe('the ami-lifecycle CLI against the local cloud, over HTTP', () => {
  let apiRequest: RequestStatus;

  it('should exit 0 with the AMI on stdout as JSON when the request ends available', {
    timeout: 120_000,
  }, async () => {
    // Act
    const run = await cli(
      'request',
      'service-api',
      '--wait',
      '--json',
      '--request-id',
      `deploy-${Date.now()}`,
      '--label',
      'acme/shop@4f2c1e0',
      '--api-url',
      apiUrl,
    );

    // Assess: stdout is only the final RequestStatus; people's text went to stderr.
    expect(run.exitCode, run.stderr).toBe(0);
    apiRequest = parseStatus(run.stdout);
    expect(apiRequest.state).toBe('available');
    expect(apiRequest.requestLabel).toBe('acme/shop@4f2c1e0');
    const [name] = apiRequest.names;
    expect(name).toMatchObject({ instanceName: 'service-api', state: 'available' });
    const available = (await system.eventsOf(apiRequest.requestId)).filter(
      (event) => event['detail-type'] === 'AmiAvailable',
    );
    expect(available).toHaveLength(1);
    expect(name?.imageId).toBe(available[0]?.detail.data.imageId);
    expect(run.stderr).toContain(`requested ${apiRequest.requestId}: service-api`);
    expect(run.stderr).toContain(`request ${apiRequest.requestId}: every name is available`);
  });

  it('should answer a repeated --request-id with the same AMI, making no second one', {
    timeout: 120_000,
  }, async () => {
    // Act: a pipeline's retried step sends the same idempotency key.
    const run = await cli(
      'request',
      'service-api',
      '--wait',
      '--json',
      '--request-id',
      apiRequest.requestId,
      '--api-url',
      apiUrl,
    );

    // Assess
    expect(run.exitCode, run.stderr).toBe(0);
    expect(parseStatus(run.stdout).names[0]?.imageId).toBe(apiRequest.names[0]?.imageId);
    const created = (await system.eventsOf(apiRequest.requestId)).filter(
      (event) => event['detail-type'] === 'AmiCreated',
    );
    expect(created).toHaveLength(1);
  });

  it('should print the final record with status --json once the request has ended', async () => {
    // Act
    const run = await cli('status', apiRequest.requestId, '--json', '--api-url', apiUrl);

    // Assess
    expect(run.exitCode, run.stderr).toBe(0);
    expect(parseStatus(run.stdout)).toEqual(apiRequest);
  });

  it("should leave the AMI in the name's latest-AMI parameter, as the aws CLI reads it", async (context) => {
    // Asynchronous: the local cloud answering the call runs in this process.
    const run = promisify(execFile);
    if ('missing' in (await awsCli())) {
      context.skip(
        'no `aws` command on PATH: the parameter is read back with the SDK in request-status.test.ts',
      );
    }

    const read = await run(
      'aws',
      [
        'ssm',
        'get-parameter',
        '--name',
        '/ami-lifecycle/service-api/latest',
        '--endpoint-url',
        system.cloud.awsEndpoint,
        '--region',
        system.cloud.region,
        '--query',
        'Parameter.Value',
        '--output',
        'text',
      ],
      { env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' } },
    );

    expect(read.stderr).toBe('');
    expect(read.stdout.trim()).toBe(apiRequest.names[0]?.imageId);
  });

  it('should print a request once for people with status', async () => {
    // Act
    const run = await cli('status', apiRequest.requestId, '--api-url', apiUrl);

    // Assess
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain(`request ${apiRequest.requestId}: available`);
    expect(run.stdout).toContain(`service-api: available ${apiRequest.names[0]?.imageId}`);
  });

  it('should exit 1 with the reason when the name has no running instance', {
    timeout: 120_000,
  }, async () => {
    // Act
    const run = await cli('request', 'service-ghost', '--wait', '--api-url', apiUrl);

    // Assess
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/failed:\n {2}service-ghost: failed \(instance-not-found: /);
  });

  it('should exit 1 with the reason when the AMI itself fails', {
    timeout: 120_000,
  }, async () => {
    // Act: the fixture's flaky-service instance makes images that fail.
    const run = await cli('request', 'flaky-service', '--wait', '--json', '--api-url', apiUrl);

    // Assess
    expect(run.exitCode, run.stderr).toBe(1);
    const status = parseStatus(run.stdout);
    expect(status.state).toBe('failed');
    expect(status.names).toMatchObject([
      { instanceName: 'flaky-service', state: 'failed', reason: 'image-failed' },
    ]);
    expect(run.stderr).toContain(
      'flaky-service: failed (image-failed: Server.InternalError: Simulated snapshot failure)',
    );
  });

  // Concurrent tests change nothing another test reads: neighbouring ones run at once.
  it.concurrent.for(['status', 'wait'])(
    'should exit 2 saying the request is unknown with %s of an unknown id',
    async (command, { expect }) => {
      // Act
      const run = await cli(command, 'no-such-request', '--api-url', apiUrl);

      // Assess
      expect(run.exitCode).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/404: No request has the id no-such-request/);
    },
  );

  it('should print the janitor’s plan as a table with purge --dry-run', async () => {
    // Act
    const run = await cli(
      'purge',
      '--dry-run',
      '--name',
      'service-api',
      '--api-url',
      apiUrl,
      '--endpoint-url',
      system.cloud.awsEndpoint,
    );

    // Assess: the fixture's images the janitor keeps whatever their age, and the one just made.
    expect(run.exitCode, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^AMI\s+NAME\s+AGE\s+DECISION\s+REASON$/);
    const row = (imageId: string) => lines.find((line) => line.startsWith(`${imageId} `));
    expect(row('ami-0a0000000000000a4')).toMatch(/\s35d\s+keep\s+deregistration-protection$/);
    expect(row('ami-0a0000000000000a5')).toMatch(/\s33d\s+keep\s+retention-tag$/);
    expect(row(apiRequest.names[0]?.imageId ?? 'none')).toMatch(/\skeep\s+younger than 14 days$/);
    expect(lines.some((line) => line.includes('service-worker'))).toBe(false);
    expect(run.stdout).toMatch(/\d+ of \d+ would be deleted/);
  });

  it.concurrent('should exit 2 with a network message when nothing listens at the API URL', {
    timeout: 60_000,
  }, async ({ expect }) => {
    // Prepare: a free port, so nothing listens there
    const port = await freePort();

    // Act
    const run = await cli(
      'request',
      'service-api',
      '--wait',
      '--api-url',
      `http://127.0.0.1:${port}/prod`,
    );

    // Assess
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      `ami-lifecycle: cannot reach http://127.0.0.1:${port}: connect ECONNREFUSED`,
    );
  });

  it.concurrent('should exit 2 with a network message when wait never reaches the API', {
    timeout: 60_000,
  }, async ({ expect }) => {
    // Prepare: a free port, so nothing listens there
    const port = await freePort();

    // Act
    const run = await cli(
      'wait',
      'r-1',
      '--timeout',
      '2s',
      '--api-url',
      `http://127.0.0.1:${port}/prod`,
    );

    // Assess: not a late AMI (exit 1), but an API that never answered.
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`cannot reach http://127.0.0.1:${port}: connect ECONNREFUSED`);
    expect(run.stderr).not.toContain('still waiting for');
  });

  it.concurrent('should exit 2 naming the EC2 endpoint when purge cannot reach it', {
    timeout: 60_000,
  }, async ({ expect }) => {
    // Prepare: a free port, so nothing listens there
    const port = await freePort();

    // Act
    const run = await cli('purge', '--dry-run', '--endpoint-url', `http://127.0.0.1:${port}`);

    // Assess
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`cannot reach EC2 at http://127.0.0.1:${port}`);
    expect(run.stderr).toContain('ECONNREFUSED');
  });
});
