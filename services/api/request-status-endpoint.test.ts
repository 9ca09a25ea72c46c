import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLedgerTables } from '../shared/ledger-tables.test-support';
import { createObservability } from '../shared/observability';
import type { RequestLedger } from '../shared/request-ledger';
import { createAmiEvent, lambdaContext } from './api-gateway-event.fixture';
import { errorBodySchema, requestListSchema, requestStatusSchema } from './request-status';
import { createStatusHandler, STATUS_RESOURCES } from './request-status-endpoint';

let tables: Awaited<ReturnType<typeof startLedgerTables>>;
let ledger: RequestLedger;
const now = new Date('2026-11-26T10:00:00.000Z');

beforeAll(async () => {
  tables = await startLedgerTables();
});

afterAll(async () => {
  await tables?.close();
});

beforeEach(async () => {
  ({ ledger } = await tables.fresh(() => now));
});

function get(
  resource: string,
  {
    pathParameters = null,
    query = null,
    method = 'GET',
  }: {
    pathParameters?: Record<string, string> | null;
    query?: Record<string, string> | null;
    method?: string;
  } = {},
): Promise<APIGatewayProxyResult> {
  const { logger } = createObservability('ami-lifecycle-api');
  logger.setLogLevel('SILENT');
  const event: APIGatewayProxyEvent = {
    ...createAmiEvent({ body: null, method }),
    resource,
    pathParameters,
    queryStringParameters: query,
  };
  return createStatusHandler({ ledger, logger })(event, lambdaContext());
}

const origin = {
  requestedAt: '2026-11-26T09:59:00.000Z',
  requestedBy: 'arn:aws:iam::123456789012:user/ci',
  requestLabel: 'release 42',
};
const image = {
  instanceId: 'i-0123456789abcdef0',
  imageId: 'ami-0123456789abcdef0',
  imageName: 'service-api-Deploy-2026-11-26_10_00',
};

describe('GET /requests/{requestId}', () => {
  const status = (requestId: string) =>
    get(STATUS_RESOURCES.request, { pathParameters: { requestId } });

  it('should answer each name of a request with its state and image, and who asked', async () => {
    await ledger.accept({ requestId: 'req-1', instanceName: 'service-api' }, origin);
    await ledger.accept({ requestId: 'req-1', instanceName: 'service-worker' }, origin);
    await ledger.markPending({ requestId: 'req-1', instanceName: 'service-api' }, origin, image);

    const response = await status('req-1');

    expect(response.statusCode).toBe(200);
    const body = requestStatusSchema.parse(JSON.parse(response.body));
    expect(body).toEqual({
      requestId: 'req-1',
      state: 'requested',
      requestedBy: origin.requestedBy,
      requestLabel: origin.requestLabel,
      requestedAt: origin.requestedAt,
      names: [
        {
          instanceName: 'service-api',
          state: 'pending',
          ...image,
          requestedAt: origin.requestedAt,
          updatedAt: now.toISOString(),
        },
        {
          instanceName: 'service-worker',
          state: 'requested',
          requestedAt: origin.requestedAt,
          updatedAt: now.toISOString(),
        },
      ],
    });
  });

  it('should sum a request up as failed once every name ended and one failed', async () => {
    const api = { requestId: 'req-2', instanceName: 'service-api' };
    const ghost = { requestId: 'req-2', instanceName: 'service-ghost' };
    await ledger.markPending(api, origin, image);
    await ledger.settleFailed(ghost, origin, {
      reason: 'instance-not-found',
      message: 'No running instance has the Name tag "service-ghost".',
    });
    await ledger.markPublished(ghost);

    const pending = requestStatusSchema.parse(JSON.parse((await status('req-2')).body));

    expect(pending.state).toBe('pending');
    expect(pending.names[1]).toMatchObject({
      state: 'failed',
      reason: 'instance-not-found',
      failedAt: now.toISOString(),
    });
  });

  it('should show an end that is recorded but not yet announced as the state before it', async () => {
    const key = { requestId: 'req-3', instanceName: 'service-api' };
    await ledger.markPending(key, origin, image);
    await ledger.settleFailed(key, origin, { reason: 'timed-out', message: 'late' });

    const body = requestStatusSchema.parse(JSON.parse((await status('req-3')).body));

    expect(body.state).toBe('pending');
    expect(body.names[0]?.reason).toBeUndefined();
  });

  it('should answer 404 with a JSON body for an unknown request id', async () => {
    const response = await status('no-such-request');

    expect(response.statusCode).toBe(404);
    expect(errorBodySchema.parse(JSON.parse(response.body)).message).toMatch(/no-such-request/);
  });

  it('should answer 400 naming requestId for a malformed one', async () => {
    const response = await status('not a request id!');

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).errors).toEqual([
      { field: 'requestId', message: expect.stringMatching(/1-64 characters/) },
    ]);
  });

  it('should answer 405 to another method', async () => {
    const response = await get(STATUS_RESOURCES.request, {
      pathParameters: { requestId: 'req-1' },
      method: 'DELETE',
    });

    expect(response.statusCode).toBe(405);
    expect(response.headers?.allow).toBe('GET');
  });
});

describe('GET /requests?instanceName=NAME&limit=N', () => {
  const list = (query: Record<string, string> | null) => get(STATUS_RESOURCES.requests, { query });

  it("should answer a name's latest requests, newest first, each with all its names", async () => {
    for (const [requestId, requestedAt] of [
      ['old', '2026-11-24T00:00:00.000Z'],
      ['new', '2026-11-26T00:00:00.000Z'],
      ['mid', '2026-11-25T00:00:00.000Z'],
    ] as const) {
      await ledger.accept({ requestId, instanceName: 'service-api' }, { requestedAt });
    }
    await ledger.accept({ requestId: 'new', instanceName: 'service-worker' }, origin);

    const all = requestListSchema.parse(
      JSON.parse((await list({ instanceName: 'service-api' })).body),
    );
    const two = requestListSchema.parse(
      JSON.parse((await list({ instanceName: 'service-api', limit: '2' })).body),
    );

    expect(all.requests.map((request) => request.requestId)).toEqual(['new', 'mid', 'old']);
    expect(all.requests[0]?.names.map((name) => name.instanceName)).toEqual([
      'service-api',
      'service-worker',
    ]);
    expect(two.requests.map((request) => request.requestId)).toEqual(['new', 'mid']);
  });

  it('should answer an empty list for a name never requested', async () => {
    const response = await list({ instanceName: 'service-nobody' });

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ requests: [] });
  });

  it.each([
    [null, 'instanceName', /is required/],
    [{ instanceName: ' service-api' }, 'instanceName', /must not start or end with a space/],
    [{ instanceName: 'service-api', limit: '0' }, 'limit', /at least 1/],
    [{ instanceName: 'service-api', limit: '51' }, 'limit', /at most 50/],
    [{ instanceName: 'service-api', limit: 'ten' }, 'limit', /whole number/],
  ])('should answer 400 for the query %j, naming %s', async (query, field, message) => {
    const response = await list(query);

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).errors).toEqual([
      { field, message: expect.stringMatching(message) },
    ]);
  });
});
