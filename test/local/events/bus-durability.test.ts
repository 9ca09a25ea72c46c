import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEventBus } from '../../../infra/local/events/bus';
import type { EventEnvelope } from '../../../infra/local/events/model';
import { journalRuleChanges } from '../../../infra/local/events/rules-journal';
import { createEventsService } from '../../../infra/local/events/service';
import { temporaryFolder } from '../../tools';

const TARGET = 'arn:aws:lambda:ap-northeast-2:111122223333:function:consumer';

/** A bus on the files of `folder`, as the local cloud starts it after a stop or a kill. */
function busOn(folder: string, invokeTarget: (event: EventEnvelope) => Promise<void>) {
  const bus = createEventBus({
    region: 'ap-northeast-2',
    account: '111122223333',
    eventLogPath: join(folder, 'events.jsonl'),
    deadLetterPath: join(folder, 'dead-letters.jsonl'),
    journalPath: join(folder, 'event-deliveries.jsonl'),
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    invokeTarget: (_target, _input, event) => invokeTarget(event),
  });
  bus.putRule({
    name: 'to-consumer',
    eventPattern: { source: ['test.durable'] },
    targets: [{ id: 'consumer', arn: TARGET }],
  });
  return bus;
}

const entry = (n: number) => ({
  Source: 'test.durable',
  DetailType: 'Tested',
  Detail: `{"n":${n}}`,
});

describe('a bus with a journal', () => {
  it('should deliver after a restart an event whose delivery was under way when the process died', async () => {
    // Prepare: the first process accepts an event, its delivery never ends (the process is gone).
    const folder = temporaryFolder('bus-durability');
    const killed = busOn(folder, () => new Promise<void>(() => {}));
    const { Entries } = killed.putEvents([entry(1)]);

    // Act: a new bus on the same files, without the first one ever closing.
    const delivered: EventEnvelope[] = [];
    const restarted = busOn(folder, async (event) => {
      delivered.push(event);
    });
    restarted.resumeDeliveries();
    await restarted.whenIdle();

    // Assess
    expect(delivered.map((event) => event.id)).toEqual([Entries[0]?.EventId]);
    expect(restarted.events().map((event) => event.id)).toEqual([Entries[0]?.EventId]);
  });

  it('should keep for the next start a delivery waiting for a retry at a stop, instead of dead-lettering it', async () => {
    // Prepare
    const folder = temporaryFolder('bus-durability');
    const stopped = busOn(folder, async () => {
      throw new Error('consumer down');
    });
    stopped.putEvents([entry(2)]);
    await new Promise((resolve) => setTimeout(resolve, 50));

    // Act
    await stopped.close();
    const delivered: unknown[] = [];
    const restarted = busOn(folder, async (event) => {
      delivered.push(event.detail);
    });
    restarted.resumeDeliveries();
    await restarted.whenIdle();

    // Assess
    expect(stopped.deadLetters()).toEqual([]);
    expect(delivered).toEqual([{ n: 2 }]);
  });

  it('should not deliver again after a restart what was delivered before it', async () => {
    // Prepare
    const folder = temporaryFolder('bus-durability');
    const first = busOn(folder, async () => {});
    first.putEvents([entry(3)]);
    await first.whenIdle();

    // Act
    const delivered: unknown[] = [];
    const restarted = busOn(folder, async (event) => {
      delivered.push(event.detail);
    });
    restarted.resumeDeliveries();
    await restarted.whenIdle();

    // Assess
    expect(delivered).toEqual([]);
    expect(restarted.events()).toHaveLength(1);
  });
});

describe('rule changes made over the API', () => {
  it('should be there again after a restart', async () => {
    // Prepare
    const folder = temporaryFolder('rules-durability');
    const journal = join(folder, 'event-rule-changes.jsonl');
    const call = (
      service: ReturnType<typeof journalRuleChanges>,
      operation: string,
      body: unknown,
    ) =>
      service.handle({
        method: 'POST',
        path: '/',
        headers: {
          'x-amz-target': `AWSEvents.${operation}`,
          'content-type': 'application/x-amz-json-1.1',
        },
        body: JSON.stringify(body),
      });
    const before = journalRuleChanges(createEventsService(createEventBus()), journal);
    await call(before, 'PutRule', { Name: 'mine', EventPattern: '{"source":["me"]}' });
    await call(before, 'PutTargets', { Rule: 'mine', Targets: [{ Id: 't', Arn: TARGET }] });

    // Act
    const bus = createEventBus();
    const after = journalRuleChanges(createEventsService(bus), journal);
    const refused = await after.replay();

    // Assess
    expect(refused).toEqual([]);
    expect(bus.describeRule('mine').targets).toEqual([{ id: 't', arn: TARGET }]);
  });
});
