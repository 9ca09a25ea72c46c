import { afterEach, describe, expect, it } from 'vitest';
import { requestStatusSchema } from '../services/api/request-status';
import { EXIT } from './exit-codes';
import {
  type Answer,
  AVAILABLE_API,
  type FakeApi,
  inTurn,
  nameStatus,
  requestStatus,
  startFakeApi,
  testCli,
} from './fake-api.test-double';
import { runCli } from './program';

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function waitAgainst(answers: Answer[], extra: string[] = []) {
  api = await startFakeApi(inTurn(...answers));
  const cli = testCli();
  const code = await runCli(['wait', 'r-1', '--api-url', api.url, ...extra], cli.deps);
  return { code, cli, calls: api.calls };
}

const PENDING: Answer = { status: 200, body: requestStatus('pending') };
const AVAILABLE: Answer = { status: 200, body: requestStatus('available', [AVAILABLE_API]) };

describe('ami-lifecycle wait', () => {
  it('should exit 0 once every name is available, polling the status route', async () => {
    // Act
    const { code, cli, calls } = await waitAgainst([PENDING, PENDING, AVAILABLE]);

    // Assess
    expect(code).toBe(EXIT.ok);
    expect(calls.map((call) => `${call.method} ${call.path}`)).toEqual(
      Array(3).fill('GET /prod/requests/r-1'),
    );
    expect(cli.stdout.text).toContain('service-api: available ami-0123456789abcdef0');
  });

  it('should exit 1 with the failure reason and message of each failed name', async () => {
    // Prepare
    const failed = requestStatus('failed', [
      AVAILABLE_API,
      nameStatus({
        instanceName: 'service-worker',
        state: 'failed',
        reason: 'instance-not-found',
        message: 'no running instance is tagged Name=service-worker',
      }),
    ]);

    // Act
    const { code, cli } = await waitAgainst([{ status: 200, body: failed }]);

    // Assess
    expect(code).toBe(EXIT.failed);
    expect(cli.stdout.text).toContain(
      'service-worker: failed (instance-not-found: no running instance is tagged Name=service-worker)',
    );
  });

  it('should exit 1 saying the deadline passed, measured by the clock, not by attempts', async () => {
    // Prepare: a 45 s timeout with 10 s between polls: polls at 0, 10, 20, 30, 40 and 45 s.
    const { code, cli, calls } = await waitAgainst([PENDING], ['--timeout', '45s']);

    // Assess
    expect(code).toBe(EXIT.failed);
    expect(calls).toHaveLength(6);
    expect(cli.stdout.text).toContain('deadline passed after 45s');
    expect(cli.stdout.text).toContain('service-api: pending');
  });

  it('should exit 2 for an unknown request id, without polling again', async () => {
    const { code, cli, calls } = await waitAgainst([
      { status: 404, body: { message: 'No request r-1' } },
    ]);

    expect(code).toBe(EXIT.usage);
    expect(cli.stderr.text).toContain('answered 404: No request r-1');
    expect(calls).toHaveLength(1);
  });

  it('should retry 5xx answers while waiting and exit 0 when the request becomes available', async () => {
    const { code, calls } = await waitAgainst([
      { status: 502, body: { message: 'Internal server error' } },
      { status: 503 },
      AVAILABLE,
    ]);

    expect(code).toBe(EXIT.ok);
    expect(calls).toHaveLength(3);
  });

  it('should report the last error when the API kept failing until the deadline', async () => {
    const { code, cli } = await waitAgainst(
      [{ status: 500, body: { message: 'Internal server error' } }],
      ['--timeout', '30s'],
    );

    expect(code).toBe(EXIT.failed);
    expect(cli.stdout.text).toContain('deadline passed after 30s');
    expect(cli.stdout.text).toContain('last error: GET /prod/requests/r-1 answered 500');
  });

  it('should retry network errors while waiting', async () => {
    // Prepare: the first poll never reaches the API.
    api = await startFakeApi(inTurn(AVAILABLE));
    let calls = 0;
    const flaky: typeof fetch = (input, init) => {
      calls += 1;
      return calls === 1 ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init);
    };
    const cli = testCli({ fetch: flaky });

    // Act
    const code = await runCli(['wait', 'r-1', '--api-url', api.url], cli.deps);

    // Assess
    expect(code).toBe(EXIT.ok);
    expect(calls).toBe(2);
  });

  it('should exit 2, not 1, when the API was never reached before the deadline', async () => {
    // Prepare: nothing answers at the URL (a wrong --api-url).
    const refused: typeof fetch = () =>
      Promise.reject(
        new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') }),
      );
    const cli = testCli({ fetch: refused });

    // Act
    const code = await runCli(
      ['wait', 'r-1', '--timeout', '30s', '--api-url', 'http://127.0.0.1:9/prod'],
      cli.deps,
    );

    // Assess: a pipeline must not take a wrong URL for a late AMI.
    expect(code).toBe(EXIT.usage);
    expect(cli.stdout.text).toBe('');
    expect(cli.stderr.text).toBe(
      'ami-lifecycle: no answer from the API in 30s while waiting for request r-1: cannot reach http://127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9; target: http://127.0.0.1:9/prod (--api-url)\n',
    );
  });

  it('should draw live lines on a terminal', async () => {
    api = await startFakeApi(inTurn(PENDING, AVAILABLE));
    const cli = testCli({}, true);

    const code = await runCli(['wait', 'r-1', '--api-url', api.url], cli.deps);

    expect(code).toBe(EXIT.ok);
    expect(cli.stdout.text).toContain('\x1b[1A\x1b[2Kservice-api  available');
  });

  it('should exit 2 when a status answer does not follow the contract', async () => {
    const { code, cli } = await waitAgainst([{ status: 200, body: { state: 'done' } }]);

    expect(code).toBe(EXIT.usage);
    expect(cli.stderr.text).toContain('unexpected body');
  });

  it('should print the final RequestStatus as JSON on stdout and people’s text on stderr with --json', async () => {
    // Act
    const { code, cli } = await waitAgainst([PENDING, AVAILABLE], ['--json']);

    // Assess
    expect(code).toBe(EXIT.ok);
    const printed = requestStatusSchema.parse(JSON.parse(cli.stdout.text));
    expect(printed.names[0]?.imageId).toBe('ami-0123456789abcdef0');
    expect(cli.stderr.text).toContain('every name is available');
  });

  it('should wait after request --wait, taking a first 404 as not recorded yet', async () => {
    // Prepare
    const statuses = inTurn({ status: 404, body: { message: 'No request r-1' } }, AVAILABLE);
    const fake = await startFakeApi((call) =>
      call.method === 'POST'
        ? { status: 202, body: { requestId: 'r-1', instanceNames: ['service-api'] } }
        : statuses(),
    );
    api = fake;
    const cli = testCli();

    // Act
    const code = await runCli(
      ['request', 'service-api', '--wait', '--json', '--api-url', fake.url],
      cli.deps,
    );

    // Assess
    expect(code).toBe(EXIT.ok);
    expect(fake.calls.map((call) => call.method)).toEqual(['POST', 'GET', 'GET']);
    expect(JSON.parse(cli.stdout.text)).toMatchObject({ requestId: 'r-1', state: 'available' });
  });
});

describe('ami-lifecycle status', () => {
  it('should print the request and each name for people', async () => {
    api = await startFakeApi(() => ({
      status: 200,
      body: requestStatus('available', [AVAILABLE_API]),
    }));
    const cli = testCli();

    const code = await runCli(['status', 'r-1', '--api-url', api.url], cli.deps);

    expect(code).toBe(EXIT.ok);
    expect(cli.stdout.text).toContain('request r-1: available');
    expect(cli.stdout.text).toContain('  service-api: available ami-0123456789abcdef0');
  });
});
