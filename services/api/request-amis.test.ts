import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidEventError } from '../../events/contract';
import { startLedgerTables } from '../shared/ledger-tables.test-support';
import { createObservability } from '../shared/observability';
import { type RequestAmisDeps, RequestNotPublishedError, requestAmis } from './request-amis';

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

function deps(): RequestAmisDeps {
  const { logger, metrics } = createObservability('ami-lifecycle-api');
  vi.spyOn(logger, 'info').mockImplementation(() => {});
  return {
    eventBridge: new EventBridgeClient({ region: 'us-east-1' }),
    eventBusName: 'ami-lifecycle',
    ledger,
    clock: () => new Date('2025-06-05T12:00:00Z'),
    newRequestId: () => 'generated-1',
    logger,
    metrics,
    publishOptions: { retryDelayMs: 0 },
  };
}

beforeEach(() => {
  eventBridge.reset();
});

describe('requestAmis', () => {
  it('should refuse a request the AmiRequested contract rejects, sending nothing', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });

    // Act
    const result = requestAmis(deps(), { instanceNames: ['a'], requestId: 'not valid!' });

    // Assess
    await expect(result).rejects.toThrow(InvalidEventError);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('should report an EventBridge failure with the request id and the cause', async () => {
    const cause = new Error('ServiceUnavailable');
    eventBridge.on(PutEventsCommand).rejects(cause);

    const error = await requestAmis(deps(), { instanceNames: ['a'] }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RequestNotPublishedError);
    expect(error).toMatchObject({ requestId: 'generated-1', cause });
  });
});
