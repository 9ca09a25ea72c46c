import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AmiCreatedV1,
  InvalidEventError,
  PublishError,
  publishEvents,
  putAmiRequested,
} from '../../events';

const eventBridge = mockClient(EventBridgeClient);
const client = new EventBridgeClient({ region: 'us-east-1' });
const noDelay = { retryDelayMs: 0 };

beforeEach(() => {
  eventBridge.reset();
});

describe('putAmiRequested', () => {
  it('should publish one AmiRequested v1 event and return its request id', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });

    // Act
    const requestId = await putAmiRequested(client, {
      eventBusName: 'ami-lifecycle',
      instanceNames: ['service-api'],
      requestId: 'release-42',
      source: 'ci.pipeline',
      now: new Date('2025-06-05T12:00:00Z'),
    });

    // Assess
    expect(requestId).toBe('release-42');
    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        {
          EventBusName: 'ami-lifecycle',
          Source: 'ci.pipeline',
          DetailType: 'AmiRequested',
          Detail: JSON.stringify({
            metadata: {
              schemaVersion: 1,
              requestId: 'release-42',
              occurredAt: '2025-06-05T12:00:00.000Z',
            },
            data: { instanceNames: ['service-api'] },
          }),
        },
      ],
    });
  });

  it('should generate a valid request id when none is given', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const requestId = await putAmiRequested(client, {
      eventBusName: 'bus',
      instanceNames: ['a'],
    });
    expect(requestId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });

  it('should send nothing for an invalid request', async () => {
    await expect(
      putAmiRequested(client, { eventBusName: 'bus', instanceNames: ['bad:name'] }),
    ).rejects.toThrow(InvalidEventError);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('should throw when EventBridge keeps rejecting the entry', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'boom' }],
    });
    await expect(
      putAmiRequested(client, { eventBusName: 'bus', instanceNames: ['a'] }, noDelay),
    ).rejects.toThrow(PublishError);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 3);
  });
});

describe('publishEvents', () => {
  const created = (index: number) => ({
    contract: AmiCreatedV1,
    source: 'ami-lifecycle.creator',
    detail: {
      ...AmiCreatedV1.examples[0],
      data: { ...AmiCreatedV1.examples[0]?.data, instanceName: `name-${index}` },
    },
  });

  it('should send at most 10 entries per call', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: String(i) })),
    }));
    await publishEvents(
      client,
      'bus',
      Array.from({ length: 23 }, (_, i) => created(i)),
      noDelay,
    );
    const sizes = eventBridge
      .commandCalls(PutEventsCommand)
      .map((call) => call.args[0].input.Entries?.length);
    expect(sizes).toEqual([10, 10, 3]);
  });

  it('should retry only the entries that failed', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException' }, { EventId: 'c' }],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }] });
    await publishEvents(client, 'bus', [created(0), created(1), created(2)], noDelay);
    const retried = eventBridge.commandCalls(PutEventsCommand)[1]?.args[0].input.Entries;
    expect(retried?.map((entry) => JSON.parse(entry.Detail ?? '{}').data.instanceName)).toEqual([
      'name-1',
    ]);
  });
});
