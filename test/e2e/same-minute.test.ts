import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EventRecord,
  eventually,
  startTestCloud,
  terminalEventsByName,
} from './local-cloud-client';

let system: Awaited<ReturnType<typeof startTestCloud>>;

beforeAll(async () => {
  system = await startTestCloud();
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

/**
 * The AMI name has minute resolution, so both requests must reach the creator within one minute:
 * wait for a minute with at least 20 s left. (A precondition of the scenario, not an assertion.)
 */
async function awaitRoomInThisMinute(): Promise<void> {
  const second = new Date().getSeconds();
  if (second < 40) return;
  await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1_000));
}

async function requestAmi(instanceName: string): Promise<string> {
  const response = await system.createAmi({ instance_name_list: [instanceName] });
  expect(response.status).toBe(202);
  return ((await response.json()) as { requestId: string }).requestId;
}

describe('the same name requested twice in one minute, end to end over HTTP', () => {
  it('should end both requests with AmiAvailable for the one image, and no AmiFailed', {
    timeout: 90_000,
  }, async () => {
    // Prepare
    await awaitRoomInThisMinute();

    // Act: back to back; the second CreateImage meets InvalidAMIName.Duplicate.
    const first = await requestAmi('service-api');
    const second = await requestAmi('service-api');

    // Assess: each request ends its name once, with the same image.
    const terminal = async (requestId: string): Promise<EventRecord[]> =>
      (await system.eventsOf(requestId)).filter((event) =>
        ['AmiAvailable', 'AmiFailed'].includes(event['detail-type']),
      );
    const [firstEnd, secondEnd] = await eventually(async () => {
      const ends = [await terminal(first), await terminal(second)];
      return ends.every((events) => events.length > 0) ? ends : undefined;
    }, 'a terminal event for both requests');
    expect(firstEnd?.map((event) => event['detail-type'])).toEqual(['AmiAvailable']);
    expect(secondEnd?.map((event) => event['detail-type'])).toEqual(['AmiAvailable']);
    expect(secondEnd?.[0]?.detail.data.imageId).toBe(firstEnd?.[0]?.detail.data.imageId);
    expect(secondEnd?.[0]?.detail.data.requestId).toBe(second);

    // Both executions end; no late event, no red webhook, nothing in a dead-letter queue.
    await eventually(async () => {
      const executions = (await system.executions()).filter((execution) =>
        [first, second].includes(execution.name),
      );
      return executions.length === 2 && executions.every((e) => e.status !== 'RUNNING')
        ? true
        : undefined;
    }, 'both executions to end');
    for (const requestId of [first, second]) {
      expect(terminalEventsByName(await system.eventsOf(requestId))).toEqual(
        new Map([['service-api', ['AmiAvailable']]]),
      );
    }
    const red = (await system.webhooks()).filter((webhook) =>
      JSON.stringify(webhook.body).includes('#dc3545'),
    );
    expect(red).toEqual([]);
    expect(await system.deadLetters()).toEqual([]);
  });
});
