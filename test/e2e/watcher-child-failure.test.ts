import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestStatusSchema } from '../../services/api/request-status';
import { eventually, startTestCloud, terminalEventsByName } from './local-cloud-client';

let system: Awaited<ReturnType<typeof startTestCloud>>;

beforeAll(async () => {
  system = await startTestCloud({ retryIntervalMs: 50 });
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

describe('a watch whose outcome cannot be published, end to end over HTTP', () => {
  it('should end that name with AmiFailed watcher-error and its sibling normally', {
    timeout: 240_000,
  }, async () => {
    // Prepare: EventBridge refuses service-worker's AmiAvailable on every attempt the watcher
    // makes (one and six retries).
    system.cloud.bus.injectFailure({
      detailType: 'AmiAvailable',
      detailIncludes: '"instanceName":"service-worker"',
      times: 7,
    });

    // Act
    const response = await system.createAmi({
      instance_name_list: ['service-api', 'service-worker'],
    });
    expect(response.status).toBe(202);
    const { requestId } = (await response.json()) as { requestId: string };
    await eventually(
      async () => {
        const ended = terminalEventsByName(await system.eventsOf(requestId));
        return ended.size === 2 ? ended : undefined;
      },
      'both names to end',
      180_000,
    );
    await system.cloud.whenIdle();

    // Assess: each name ended exactly once; the refused one says why.
    const events = await system.eventsOf(requestId);
    expect(Object.fromEntries(terminalEventsByName(events))).toEqual({
      'service-api': ['AmiAvailable'],
      'service-worker': ['AmiFailed'],
    });
    const failed = events.find((event) => event['detail-type'] === 'AmiFailed');
    expect(failed?.detail.data).toMatchObject({
      reason: 'watcher-error',
      message: expect.stringContaining('EventBridge.FailedEntry'),
    });
    const status = requestStatusSchema.parse(
      await (
        await fetch(system.cloud.createAmiUrl.replace(/create-ami$/, `requests/${requestId}`))
      ).json(),
    );
    expect(status.names.map((name) => [name.instanceName, name.state, name.reason])).toEqual([
      ['service-api', 'available', undefined],
      ['service-worker', 'failed', 'watcher-error'],
    ]);
  });
});
