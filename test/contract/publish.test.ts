import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AmiCreatedV1,
  defineEvent,
  EventTooLargeError,
  InvalidEventError,
  MAX_PUT_EVENTS_REQUEST_BYTES,
  PublishError,
  publishEvents,
  putAmiRequested,
  putEventsEntrySize,
} from '../../events';
import * as z from '../../events/zod';

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

describe('putEventsEntrySize', () => {
  it('should count UTF-8 bytes of source, detail-type, detail and resources, and 14 for a time', () => {
    const size = putEventsEntrySize({
      Time: new Date('2025-06-05T12:00:00Z'),
      Source: 'ami-lifecycle.janitor', // 21
      DetailType: 'AmiPurged', // 9
      Detail: '{"name":"é"}', // 13: é is two bytes
      Resources: ['arn:aws:ec2:ap-northeast-2::image/ami-1', 'ü'], // 39 + 2
    });

    expect(size).toBe(14 + 21 + 9 + 13 + 39 + 2);
  });

  it('should not count the bus name, the trace header or an absent time', () => {
    const entry = {
      EventBusName: 'a-long-event-bus-name',
      TraceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793',
      Source: 'a.b',
      DetailType: 'T',
      Detail: '{}',
    };

    const size = putEventsEntrySize(entry);

    expect(size).toBe(3 + 1 + 2);
  });
});

describe('publishEvents request size', () => {
  const Padded = defineEvent({
    detailType: 'Padded',
    version: 1,
    sources: 'any',
    description: 'A test event whose size is chosen by its padding',
    detail: z.object({ index: z.number(), padding: z.string() }),
    examples: [],
  });
  const source = 'test.source';
  /** An event whose entry is exactly `bytes` long as EventBridge counts it. */
  const paddedTo = (bytes: number, index = 0) => {
    const overhead = putEventsEntrySize({
      Source: source,
      DetailType: Padded.detailType,
      Detail: JSON.stringify({ index, padding: '' }),
    });
    return { contract: Padded, source, detail: { index, padding: 'x'.repeat(bytes - overhead) } };
  };
  const acceptAll = (input: { Entries: unknown[] }) => ({
    FailedEntryCount: 0,
    Entries: input.Entries.map((_, i) => ({ EventId: String(i) })),
  });
  const sentRequests = () =>
    eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);
  const indexes = (entries: { Detail?: string }[]) =>
    entries.map((entry) => JSON.parse(entry.Detail ?? '{}').index);

  it('should send two entries of about 248 KB in two requests, in order', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).callsFake(acceptAll);

    // Act
    await publishEvents(client, 'bus', [paddedTo(248 * 1024, 0), paddedTo(248 * 1024, 1)], noDelay);

    // Assess
    expect(sentRequests().map(indexes)).toEqual([[0], [1]]);
  });

  it('should fill a request up to exactly 256 KB and start a new one a byte later', async () => {
    eventBridge.on(PutEventsCommand).callsFake(acceptAll);
    const quarter = MAX_PUT_EVENTS_REQUEST_BYTES / 4;

    await publishEvents(
      client,
      'bus',
      [
        paddedTo(quarter, 0),
        paddedTo(quarter, 1),
        paddedTo(quarter, 2),
        paddedTo(quarter, 3),
        paddedTo(MAX_PUT_EVENTS_REQUEST_BYTES - 1000, 4),
        paddedTo(1001, 5),
      ],
      noDelay,
    );

    const requests = sentRequests();
    expect(requests.map(indexes)).toEqual([[0, 1, 2, 3], [4], [5]]);
    for (const entries of requests) {
      const total = entries.reduce((sum, entry) => sum + putEventsEntrySize(entry), 0);
      expect(total).toBeLessThanOrEqual(MAX_PUT_EVENTS_REQUEST_BYTES);
    }
  });

  it('should refuse an entry over 256 KB on its own before sending anything', async () => {
    eventBridge.on(PutEventsCommand).callsFake(acceptAll);

    const publishing = publishEvents(
      client,
      'bus',
      [paddedTo(100, 0), paddedTo(MAX_PUT_EVENTS_REQUEST_BYTES + 1, 1)],
      noDelay,
    );

    await expect(publishing).rejects.toThrow(EventTooLargeError);
    await expect(publishing).rejects.toThrow(/Padded entry is 262145 bytes/);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });
});
