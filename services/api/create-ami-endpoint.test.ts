import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  type MockInstance,
  vi,
} from 'vitest';
import { startLedgerTables } from '../shared/ledger-tables.test-support';
import { createObservability, METRIC, MetricUnit } from '../shared/observability';
import { CALLER_ARN, createAmiEvent, lambdaContext, SEED_BODY } from './api-gateway-event.fixture';
import { createHandler } from './create-ami-endpoint';

const eventBridge = mockClient(EventBridgeClient);
let tables: Awaited<ReturnType<typeof startLedgerTables>>;
let ledger: Awaited<ReturnType<typeof tables.fresh>>['ledger'];

beforeAll(async () => {
  tables = await startLedgerTables();
  ({ ledger } = await tables.fresh());
});

afterAll(async () => {
  await tables?.close();
});
const NOW = new Date('2025-06-05T12:00:00.000Z');
const GENERATED_ID = '0b6e4f3c-2a1d-4e5f-9a8b-7c6d5e4f3a2b';
const accepted = { FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] };

function setUp() {
  const { logger, metrics } = createObservability('ami-lifecycle-api');
  const addMetric = vi.spyOn(metrics, 'addMetric');
  const flushMetrics = vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
  const handler = createHandler({
    eventBridge: new EventBridgeClient({ region: 'us-east-1' }),
    eventBusName: 'ami-lifecycle',
    ledger,
    clock: () => NOW,
    newRequestId: () => GENERATED_ID,
    logger,
    metrics,
    publishOptions: { retryDelayMs: 0 },
  });
  const invoke = (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> =>
    handler(event, lambdaContext());
  return { invoke, addMetric, flushMetrics };
}

function jsonBody(response: APIGatewayProxyResult): unknown {
  expect(response.headers?.['content-type']).toBe('application/json');
  return JSON.parse(response.body);
}

function publishedDetail(): unknown {
  const entries = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
  expect(entries).toHaveLength(1);
  return JSON.parse(entries[0]?.Detail ?? 'null');
}

/** The structured log line with this message, as written to stdout. */
function logLine(message: string): Record<string, unknown> | undefined {
  return stdout.mock.calls
    .map(([chunk]) => JSON.parse(String(chunk)))
    .find((line) => line.message === message);
}

let stdout: MockInstance<typeof process.stdout.write>;
let stderr: MockInstance<typeof process.stderr.write>;

beforeEach(() => {
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves(accepted);
  // Keeps structured log lines out of the test report and lets tests read them.
  stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('POST /create-ami accepted', () => {
  it('should publish exactly one AmiRequested v1 event and answer 202 with the request id', async () => {
    // Prepare
    const { invoke } = setUp();

    // Act
    const response = await invoke(createAmiEvent());

    // Assess
    expect(response.statusCode).toBe(202);
    expect(jsonBody(response)).toEqual({
      requestId: GENERATED_ID,
      instanceNames: ['service-api', 'service-worker'],
    });
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        {
          EventBusName: 'ami-lifecycle',
          Source: 'ami-lifecycle.api',
          DetailType: 'AmiRequested',
          Detail: JSON.stringify({
            metadata: {
              schemaVersion: 1,
              requestId: GENERATED_ID,
              occurredAt: '2025-06-05T12:00:00.000Z',
            },
            data: { instanceNames: ['service-api', 'service-worker'], requestedBy: CALLER_ARN },
          }),
        },
      ],
    });
  });

  it('should accept the seed system body with a charset in the content type', async () => {
    const { invoke } = setUp();

    const response = await invoke(
      createAmiEvent({
        body: SEED_BODY,
        headers: { 'content-type': 'application/json; charset=utf-8' },
      }),
    );

    expect(response.statusCode).toBe(202);
  });

  it('should honour request_id, requested_by and no_reboot from the body', async () => {
    const { invoke } = setUp();

    const response = await invoke(
      createAmiEvent({
        body: JSON.stringify({
          instance_name_list: ['service-api'],
          request_id: 'release-2025-06-05-1',
          requested_by: 'ci/release-pipeline',
          no_reboot: false,
        }),
      }),
    );

    expect(response.statusCode).toBe(202);
    expect(jsonBody(response)).toEqual({
      requestId: 'release-2025-06-05-1',
      instanceNames: ['service-api'],
    });
    expect(publishedDetail()).toEqual({
      metadata: {
        schemaVersion: 1,
        requestId: 'release-2025-06-05-1',
        occurredAt: '2025-06-05T12:00:00.000Z',
      },
      data: {
        instanceNames: ['service-api'],
        requestedBy: CALLER_ARN,
        requestLabel: 'ci/release-pipeline',
        options: { noReboot: false },
      },
    });
  });

  it('should keep the IAM caller as requestedBy when the body claims another identity', async () => {
    // Prepare
    const { invoke } = setUp();
    const claimed = 'arn:aws:iam::123456789012:user/security-admin';

    // Act
    const response = await invoke(
      createAmiEvent({
        body: JSON.stringify({ instance_name_list: ['service-api'], requested_by: claimed }),
      }),
    );

    // Assess
    expect(response.statusCode).toBe(202);
    expect(publishedDetail()).toMatchObject({
      data: { requestedBy: CALLER_ARN, requestLabel: claimed },
    });
    expect(logLine('AMIs requested')).toMatchObject({
      requestedBy: CALLER_ARN,
      requestLabel: claimed,
    });
  });

  it('should name the API key as requestedBy when the stage uses API keys, never its value', async () => {
    const { invoke } = setUp();

    const response = await invoke(createAmiEvent({ userArn: null, apiKeyId: 'k1a2b3c4d5' }));

    expect(response.statusCode).toBe(202);
    expect(publishedDetail()).toMatchObject({ data: { requestedBy: 'api-key:k1a2b3c4d5' } });
    expect(logLine('AMIs requested')).toMatchObject({ requestedBy: 'api-key:k1a2b3c4d5' });
    const written = [...stdout.mock.calls, ...stderr.mock.calls].map(([chunk]) => String(chunk));
    const published = JSON.stringify(eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input);
    expect(`${written.join('')}${published}`).not.toContain('not-a-real-key-value');
  });

  it('should leave requestedBy out when the caller has no identity, whatever the body says', async () => {
    const { invoke } = setUp();

    const response = await invoke(
      createAmiEvent({
        userArn: null,
        body: JSON.stringify({ instance_name_list: ['service-api'], requested_by: 'ops' }),
      }),
    );

    expect(response.statusCode).toBe(202);
    expect(publishedDetail()).toEqual({
      metadata: expect.any(Object),
      data: { instanceNames: ['service-api'], requestLabel: 'ops' },
    });
    expect(logLine('AMIs requested')).not.toHaveProperty('requestedBy');
  });

  it('should cut an IAM user ARN with a long path to the 256 characters the event allows', async () => {
    const { invoke } = setUp();
    const userArn = `arn:aws:iam::123456789012:user/${'team/'.repeat(60)}deployer`;

    const response = await invoke(createAmiEvent({ userArn }));

    expect(response.statusCode).toBe(202);
    expect(publishedDetail()).toMatchObject({ data: { requestedBy: userArn.slice(0, 256) } });
  });

  it('should accept names with inner spaces, dots, slashes and the other characters EC2 allows', async () => {
    const { invoke } = setUp();
    const names = [
      'service api',
      'service.api',
      'v1.2_worker',
      '.hidden',
      'a..b',
      'team/api',
      "(x)[y]'@_-",
    ];

    const response = await invoke(
      createAmiEvent({ body: JSON.stringify({ instance_name_list: names }) }),
    );

    expect(response.statusCode).toBe(202);
    expect(publishedDetail()).toMatchObject({ data: { instanceNames: names } });
  });

  it('should decode a base64-encoded body', async () => {
    const { invoke } = setUp();

    const response = await invoke(
      createAmiEvent({
        body: Buffer.from(SEED_BODY).toString('base64'),
        isBase64Encoded: true,
      }),
    );

    expect(response.statusCode).toBe(202);
    expect(publishedDetail()).toMatchObject({
      data: { instanceNames: ['service-api', 'service-worker'] },
    });
  });

  it('should count the requested AMIs and flush metrics once per invocation', async () => {
    const { invoke, addMetric, flushMetrics } = setUp();

    await invoke(createAmiEvent());

    expect(addMetric).toHaveBeenCalledExactlyOnceWith(METRIC.requested, MetricUnit.Count, 2);
    expect(flushMetrics).toHaveBeenCalledTimes(1);
  });

  it('should write the request id on the log lines of the request', async () => {
    const { invoke } = setUp();

    await invoke(createAmiEvent());

    const lines = stdout.mock.calls.map(([chunk]) => JSON.parse(String(chunk)));
    expect(lines).toContainEqual(
      expect.objectContaining({
        message: 'AMIs requested',
        requestId: GENERATED_ID,
        function_request_id: lambdaContext().awsRequestId,
      }),
    );
  });

  it("should never log the caller's request signature", async () => {
    const { invoke } = setUp();
    eventBridge.on(PutEventsCommand).rejects(new Error('throttled'));

    await invoke(createAmiEvent());
    await invoke(createAmiEvent({ body: '{' }));

    const written = [...stdout.mock.calls, ...stderr.mock.calls].map(([chunk]) => String(chunk));
    expect(written.join('')).toContain('Request failed');
    expect(written.join('')).not.toMatch(/Signature=|AWS4-HMAC-SHA256/);
  });
});

describe('POST /create-ami refused', () => {
  const names = (count: number) => Array.from({ length: count }, (_, index) => `service-${index}`);

  it.each([
    [
      'a name EC2 refuses in AMI names',
      { instance_name_list: ['ok', 'bad:name'] },
      'instance_name_list[1]',
    ],
    ['a repeated name', { instance_name_list: ['a', 'b', 'a'] }, 'instance_name_list[2]'],
    ['an empty list', { instance_name_list: [] }, 'instance_name_list'],
    ['26 names', { instance_name_list: names(26) }, 'instance_name_list'],
    ['a 105-character name', { instance_name_list: ['x'.repeat(105)] }, 'instance_name_list[0]'],
    ['a name that is not a string', { instance_name_list: [42] }, 'instance_name_list[0]'],
    ['a missing list', {}, 'instance_name_list'],
    ['a misspelt field', { instance_names: ['service-api'] }, 'instance_names'],
    ['a bad request_id', { instance_name_list: ['a'], request_id: 'has space' }, 'request_id'],
    [
      'a long requested_by',
      { instance_name_list: ['a'], requested_by: 'x'.repeat(257) },
      'requested_by',
    ],
    ['a non-boolean no_reboot', { instance_name_list: ['a'], no_reboot: 'yes' }, 'no_reboot'],
    ['an array body', ['service-api'], 'body'],
    ['a string body', 'service-api', 'body'],
    ['a null body', null, 'body'],
  ])('should answer 400 naming the field for %s and publish nothing', async (_, body, field) => {
    // Prepare
    const { invoke, addMetric } = setUp();

    // Act
    const response = await invoke(createAmiEvent({ body: JSON.stringify(body) }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(jsonBody(response)).toEqual({
      message: 'Invalid request',
      errors: expect.arrayContaining([{ field, message: expect.any(String) }]),
    });
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
    expect(addMetric).not.toHaveBeenCalled();
  });

  it.each([
    ['a blank name', ' ', 'must not be only spaces'],
    ['a name with surrounding spaces', '  service-api  ', 'must not start or end with a space'],
    ['a name with a trailing space', 'service-api ', 'must not start or end with a space'],
    ['a name of only dots', '..', 'must not be only dots, wholly or between slashes (as in ../)'],
    [
      'a path up through parent folders',
      '../../etc/passwd',
      'must not be only dots, wholly or between slashes (as in ../)',
    ],
  ])('should answer 400 saying why for %s and publish nothing', async (_, name, message) => {
    const { invoke } = setUp();

    const response = await invoke(
      createAmiEvent({ body: JSON.stringify({ instance_name_list: ['service-api-2', name] }) }),
    );

    expect(response.statusCode).toBe(400);
    expect(jsonBody(response)).toEqual({
      message: 'Invalid request',
      errors: [{ field: 'instance_name_list[1]', message }],
    });
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('should say that a missing list is required and an unknown field is not known', async () => {
    const { invoke } = setUp();

    const response = await invoke(
      createAmiEvent({ body: JSON.stringify({ instance_names: ['service-api'] }) }),
    );

    expect(jsonBody(response)).toEqual({
      message: 'Invalid request',
      errors: [
        { field: 'instance_name_list', message: 'is required' },
        { field: 'instance_names', message: 'is not a known field' },
      ],
    });
  });

  it.each([
    ['malformed JSON', createAmiEvent({ body: '{"instance_name_list": ["a",]}' }), 'body'],
    ['an empty body', createAmiEvent({ body: '' }), 'body'],
    ['no body at all', createAmiEvent({ body: null }), 'body'],
    ['a missing content type', createAmiEvent({ headers: {} }), 'content-type'],
    [
      'a form content type',
      createAmiEvent({ headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }),
      'content-type',
    ],
    [
      'a text content type',
      createAmiEvent({ headers: { 'Content-Type': 'text/plain' } }),
      'content-type',
    ],
  ])('should answer 400 naming the %s field and publish nothing', async (_, event, field) => {
    const { invoke } = setUp();

    const response = await invoke(event);

    expect(response.statusCode).toBe(400);
    expect(jsonBody(response)).toEqual({
      message: 'Invalid request',
      errors: [{ field, message: expect.any(String) }],
    });
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('should answer 405 with an Allow header for a method other than POST', async () => {
    const { invoke } = setUp();

    const response = await invoke(createAmiEvent({ method: 'GET', body: null, headers: {} }));

    expect(response.statusCode).toBe(405);
    expect(response.headers?.allow).toBe('POST');
    expect(jsonBody(response)).toEqual({ message: 'Method not allowed: use POST' });
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });
});

describe('POST /create-ami body size (16 KiB)', () => {
  /** A valid request padded with JSON whitespace to exactly `bytes` bytes. */
  const paddedBody = (bytes: number) => {
    const json = JSON.stringify({ instance_name_list: ['service-api'] });
    return `${json}${' '.repeat(bytes - json.length)}`;
  };

  it('should accept a body of exactly 16384 bytes', async () => {
    const { invoke } = setUp();

    const response = await invoke(createAmiEvent({ body: paddedBody(16_384) }));

    expect(response.statusCode).toBe(202);
  });

  it('should answer 413 for 16385 bytes and publish nothing', async () => {
    const { invoke } = setUp();

    const response = await invoke(createAmiEvent({ body: paddedBody(16_385) }));

    expect(response.statusCode).toBe(413);
    expect(jsonBody(response)).toEqual({
      message: 'Payload too large',
      errors: [{ field: 'body', message: 'must be at most 16384 bytes' }],
    });
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('should count bytes, not characters', async () => {
    const { invoke } = setUp();
    // 6,000 three-byte characters: 6,000 characters but 18,000 bytes.
    const body = JSON.stringify({ instance_name_list: ['a'], requested_by: '한'.repeat(6_000) });

    const response = await invoke(createAmiEvent({ body }));

    expect(response.statusCode).toBe(413);
  });

  it('should measure a base64 body by its decoded size', async () => {
    const { invoke } = setUp();
    // 13,000 bytes encode to 17,336 base64 characters: over the limit only if measured encoded.
    const small = Buffer.from(paddedBody(13_000)).toString('base64');
    const large = Buffer.from(paddedBody(16_385)).toString('base64');

    const smallResponse = await invoke(createAmiEvent({ body: small, isBase64Encoded: true }));
    const largeResponse = await invoke(createAmiEvent({ body: large, isBase64Encoded: true }));

    expect(smallResponse.statusCode).toBe(202);
    expect(largeResponse.statusCode).toBe(413);
  });
});

describe('POST /create-ami when EventBridge fails', () => {
  it('should answer 503 with the request id and no internal detail when PutEvents throws', async () => {
    // Prepare
    const { invoke, addMetric, flushMetrics } = setUp();
    eventBridge
      .on(PutEventsCommand)
      .rejects(new Error('connect ECONNREFUSED 10.0.0.1:443 at TLSSocket.internal'));

    // Act
    const response = await invoke(createAmiEvent());

    // Assess
    expect(response.statusCode).toBe(503);
    expect(jsonBody(response)).toEqual({
      message: 'The request was not accepted; retry it with the same request_id',
      requestId: GENERATED_ID,
    });
    expect(response.body).not.toMatch(/ECONNREFUSED|TLSSocket|at /);
    expect(addMetric).not.toHaveBeenCalled();
    expect(flushMetrics).toHaveBeenCalledTimes(1);
  });

  it('should retry failed entries, then answer 503 with the request id', async () => {
    const { invoke } = setUp();
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'internal detail 42' }],
    });

    const response = await invoke(
      createAmiEvent({
        body: JSON.stringify({ instance_name_list: ['service-api'], request_id: 'retry-me' }),
      }),
    );

    expect(response.statusCode).toBe(503);
    expect(jsonBody(response)).toEqual({
      message: 'The request was not accepted; retry it with the same request_id',
      requestId: 'retry-me',
    });
    expect(response.body).not.toMatch(/InternalFailure|internal detail/);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 3);
  });

  it('should answer 202 when a failed entry is accepted on retry', async () => {
    const { invoke } = setUp();
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException' }] })
      .resolves(accepted);

    const response = await invoke(createAmiEvent());

    expect(response.statusCode).toBe(202);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 2);
  });
});
