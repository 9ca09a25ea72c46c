import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from './exit-codes';
import { type FakeApi, inTurn, requestStatus, startFakeApi, testCli } from './fake-api.test-double';
import { runCli } from './program';

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function acceptingApi(): Promise<FakeApi> {
  api = await startFakeApi(({ body }) => {
    const sent = JSON.parse(body) as { request_id: string; instance_name_list: string[] };
    return {
      status: 202,
      body: { requestId: sent.request_id, instanceNames: sent.instance_name_list },
    };
  });
  return api;
}

function sentBody(fake: FakeApi): Record<string, unknown> {
  return JSON.parse(fake.calls[0]?.body ?? 'null') as Record<string, unknown>;
}

describe('ami-lifecycle command line', () => {
  it.each([
    ['no command', []],
    ['an unknown command', ['deploy']],
    ['request without a name', ['request']],
    ['an unknown option', ['status', 'r-1', '--colour']],
    ['a timeout that is not a duration', ['wait', 'r-1', '--timeout', 'soon']],
    ['a zero timeout', ['wait', 'r-1', '--timeout', '0m']],
    ['a retention that is not a whole number', ['purge', '--dry-run', '--retention-days', '2.5']],
  ])('should exit 2 on %s', async (_, argv) => {
    // Prepare
    const cli = testCli();

    // Act
    const code = await runCli(argv, cli.deps);

    // Assess
    expect(code).toBe(EXIT.usage);
    expect(cli.stderr.text).not.toBe('');
  });

  it('should exit 0 with the commands listed for --help', async () => {
    const cli = testCli();

    const code = await runCli(['--help'], cli.deps);

    expect(code).toBe(EXIT.ok);
    expect(cli.stdout.text).toMatch(/request .*status .*wait .*purge/s);
  });

  it('should refuse an invalid instance name with exit 2 before calling the API', async () => {
    // Prepare
    const fake = await acceptingApi();
    const cli = testCli();

    // Act
    const code = await runCli(['request', '../etc', '--api-url', fake.url], cli.deps);

    // Assess
    expect(code).toBe(EXIT.usage);
    expect(cli.stderr.text).toContain('NAME[0]');
    expect(fake.calls).toEqual([]);
  });

  it('should refuse a malformed request id with exit 2 before calling the API', async () => {
    const fake = await acceptingApi();
    const cli = testCli();

    const code = await runCli(['status', 'no spaces', '--api-url', fake.url], cli.deps);

    expect(code).toBe(EXIT.usage);
    expect(cli.stderr.text).toContain('not a request id');
    expect(fake.calls).toEqual([]);
  });

  it('should say how purges run when purge is called without --dry-run', async () => {
    const cli = testCli();

    const code = await runCli(['purge', '--name', 'service-api'], cli.deps);

    expect(code).toBe(EXIT.usage);
    expect(cli.stderr.text).toContain('daily schedule');
    expect(cli.stderr.text).toContain('AmiPurgeRequested');
  });

  it('should post the names, label and a generated request id, leaving no_reboot out by default', async () => {
    // Prepare
    const fake = await acceptingApi();
    const cli = testCli();

    // Act
    const code = await runCli(
      ['request', 'service-api', 'service-worker', '--label', 'release 42', '--api-url', fake.url],
      cli.deps,
    );

    // Assess
    expect(code).toBe(EXIT.ok);
    expect(fake.calls[0]?.method).toBe('POST');
    expect(fake.calls[0]?.path).toBe('/prod/create-ami');
    expect(sentBody(fake)).toEqual({
      instance_name_list: ['service-api', 'service-worker'],
      request_id: 'generated-id',
      requested_by: 'release 42',
    });
    expect(cli.stdout.text).toContain('requested generated-id: service-api, service-worker');
  });

  it.each([
    ['--no-reboot', true],
    ['--reboot', false],
  ])('should send %s as no_reboot %s', async (flag, noReboot) => {
    const fake = await acceptingApi();
    const cli = testCli();

    await runCli(['request', 'service-api', flag, '--api-url', fake.url], cli.deps);

    expect(sentBody(fake).no_reboot).toBe(noReboot);
  });

  it('should print the accepted request as JSON on stdout with --json', async () => {
    const fake = await acceptingApi();
    const cli = testCli();

    const code = await runCli(
      ['request', 'service-api', '--request-id', 'release-42', '--json', '--api-url', fake.url],
      cli.deps,
    );

    expect(code).toBe(EXIT.ok);
    expect(JSON.parse(cli.stdout.text)).toEqual({
      requestId: 'release-42',
      instanceNames: ['service-api'],
    });
    expect(cli.stderr.text).toContain('requested release-42');
  });

  it('should retry a 503 answer to the request with the same request id', async () => {
    // Prepare
    api = await startFakeApi(
      inTurn(
        { status: 503, body: { message: 'The request was not accepted', requestId: 'x' } },
        { status: 202, body: { requestId: 'generated-id', instanceNames: ['service-api'] } },
      ),
    );
    const cli = testCli();

    // Act
    const code = await runCli(['request', 'service-api', '--api-url', api.url], cli.deps);

    // Assess
    expect(code).toBe(EXIT.ok);
    const ids = api.calls.map(
      (call) => (JSON.parse(call.body) as { request_id: string }).request_id,
    );
    expect(ids).toEqual(['generated-id', 'generated-id']);
  });

  it.each([401, 403])('should exit 2 naming the answer when the API answers %s', async (status) => {
    api = await startFakeApi(() => ({ status, body: { message: 'Forbidden' } }));
    const cli = testCli();

    const code = await runCli(['request', 'service-api', '--api-url', api.url], cli.deps);

    expect(code).toBe(EXIT.usage);
    expect(cli.stderr.text).toContain(`answered ${status}: Forbidden`);
    expect(api.calls).toHaveLength(1);
  });

  it('should exit 2 naming the target when the API cannot be reached', async () => {
    // Prepare: a port that was free a moment ago.
    const closed = await startFakeApi(() => ({ status: 200 }));
    await closed.close();
    const cli = testCli({ env: { AMI_LIFECYCLE_API_URL: closed.url } });

    // Act
    const code = await runCli(['status', 'r-1'], cli.deps);

    // Assess
    expect(code).toBe(EXIT.usage);
    expect(cli.stderr.text).toContain('cannot reach');
    expect(cli.stderr.text).toContain('(AMI_LIFECYCLE_API_URL)');
  });

  it('should sign calls to an API on AWS with a signer for its URL, and never local ones', async () => {
    // Prepare: AWS's host is routed to the fake server; the signer marks what it signed.
    api = await startFakeApi(() => ({ status: 200, body: requestStatus('pending') }));
    const local = new URL(api.url);
    const signedFor: string[] = [];
    const cli = testCli({
      fetch: (input, init) =>
        fetch(
          String(input).replace('https://abc123.execute-api.eu-west-1.amazonaws.com', local.origin),
          init,
        ),
      signerFor: async (apiUrl) => {
        signedFor.push(apiUrl.href);
        return async (call) => ({ ...call, headers: { ...call.headers, authorization: 'signed' } });
      },
    });

    // Act
    await runCli(
      ['status', 'r-1', '--api-url', 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod'],
      cli.deps,
    );
    await runCli(['status', 'r-1', '--api-url', api.url], cli.deps);

    // Assess
    expect(signedFor).toEqual(['https://abc123.execute-api.eu-west-1.amazonaws.com/prod']);
    expect(api.calls.map((call) => call.headers.authorization)).toEqual(['signed', undefined]);
  });
});
