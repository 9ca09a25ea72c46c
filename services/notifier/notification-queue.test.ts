import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AmiAvailableV1 } from '../../events/ami-available.v1';
import { AmiCreatedV1 } from '../../events/ami-created.v1';
import { inMemoryDeliveryLedger } from './delivery-ledger.fake';
import {
  answer,
  captureOutput,
  eventBridgeEvent,
  fakePost,
  fakeTime,
  observability,
  sqsRecord,
} from './fixtures';
import { type NotificationQueue, processNotificationBatch } from './notification-queue';
import type { WebhookTarget } from './webhook-target';

const HEALTHY = 'https://hooks.slack.com/services/T0SECRET/B0SECRET/healthysecret';
const DOWN = 'https://deploys.example.com/hooks/ami?token=downsecret';
const REVOKED = 'https://wh.jandi.com/connect-api/webhook/1/revokedsecret';
const HOUR_MS = 3_600_000;
const policy = { timeoutMs: 1_000, retryBudgetMs: 0 };

let output: ReturnType<typeof captureOutput>;
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => {
  output.restore();
});

function fakeQueue() {
  const retries: { receiptHandle: string; delaySeconds: number }[] = [];
  const deadLetters: { body: string; reason: string }[] = [];
  const queue: NotificationQueue = {
    retryLater: async (receiptHandle, delaySeconds) => {
      retries.push({ receiptHandle, delaySeconds });
    },
    deadLetter: async (body, reason) => {
      deadLetters.push({ body, reason });
    },
  };
  return { queue, retries, deadLetters };
}

function setUp(targets: WebhookTarget[], replies: Parameters<typeof fakePost>[0]) {
  const { post, requests } = fakePost(replies);
  const time = fakeTime();
  const { queue, retries, deadLetters } = fakeQueue();
  const ledger = inMemoryDeliveryLedger();
  const deps = {
    ...time,
    ...observability(),
    post,
    policy,
    queue,
    ledger,
    retryWindowMs: 24 * HOUR_MS,
    loadTargets: async () => targets,
    checkAvailableImage: async () => {},
  };
  return { deps, requests, retries, deadLetters, ledger, time };
}

const event = eventBridgeEvent(AmiAvailableV1, AmiAvailableV1.examples[0]);
const posted = (requests: { url: string }[], url: string) =>
  requests.filter((request) => request.url === url).length;

describe('processNotificationBatch', () => {
  it('should keep a notification whose webhook is down in the queue, backing off, instead of dropping it', async () => {
    // Prepare: the receiver is down for far longer than one invocation's retries.
    const { deps, requests, retries, deadLetters, time } = setUp([{ url: DOWN, format: 'json' }], {
      [DOWN]: [answer(503), answer(503), answer(503), answer(503), answer(200)],
    });
    const firstReceivedAt = time.clock();

    // Act: the queue hands the message over again after each backoff, hours apart.
    const results = [];
    for (let receive = 1; receive <= 5; receive++) {
      results.push(
        await processNotificationBatch([sqsRecord(event, receive, firstReceivedAt)], deps),
      );
      time.advance(2 * HOUR_MS);
    }

    // Assess
    expect(results.slice(0, 4).map((result) => result.batchItemFailures)).toEqual(
      [1, 2, 3, 4].map((receive) => [{ itemIdentifier: `message-${receive}` }]),
    );
    expect(results[4]?.batchItemFailures).toEqual([]);
    expect(posted(requests, DOWN)).toBe(5);
    expect(deadLetters).toEqual([]);
    // 30 s doubling, with at most a fifth taken off by jitter.
    const delays = retries.map((retry) => retry.delaySeconds);
    expect(delays[0]).toBeGreaterThanOrEqual(24);
    expect(delays[0]).toBeLessThanOrEqual(30);
    expect(delays[3]).toBeGreaterThanOrEqual(192);
    expect(delays[3]).toBeLessThanOrEqual(240);
    expect(retries.map((retry) => retry.receiptHandle)).toEqual([
      'receipt-1',
      'receipt-2',
      'receipt-3',
      'receipt-4',
    ]);
  });

  it('should cap the backoff at 15 minutes however often the message came back', async () => {
    const { deps, retries } = setUp([{ url: DOWN, format: 'json' }], { [DOWN]: [answer(503)] });
    await processNotificationBatch([sqsRecord(event, 40, deps.clock())], deps);
    expect(retries[0]?.delaySeconds).toBeLessThanOrEqual(900);
    expect(retries[0]?.delaySeconds).toBeGreaterThanOrEqual(720);
  });

  it('should dead-letter the notification with the reason once the retry window is over', async () => {
    const { deps, deadLetters, retries, time } = setUp([{ url: DOWN, format: 'json' }], {
      [DOWN]: [answer(503)],
    });
    const firstReceivedAt = time.clock();
    time.advance(25 * HOUR_MS);
    const result = await processNotificationBatch([sqsRecord(event, 120, firstReceivedAt)], deps);
    expect(result.batchItemFailures).toEqual([]);
    expect(retries).toEqual([]);
    expect(deadLetters).toHaveLength(1);
    expect(JSON.parse(deadLetters[0]?.body ?? '')).toEqual(event);
    expect(deadLetters[0]?.reason).toMatch(/target 0 \(json\).*HTTP 503/);
    expect(deadLetters[0]?.reason).not.toContain('downsecret');
  });

  it('should post a retried notification only to the targets that did not get it yet', async () => {
    // Prepare: the first target answers at once, the second is down the first time.
    const { deps, requests, time } = setUp(
      [
        { url: HEALTHY, format: 'slack' },
        { url: DOWN, format: 'json' },
      ],
      { [HEALTHY]: [answer(200), answer(200)], [DOWN]: [answer(503), answer(200)] },
    );
    const firstReceivedAt = time.clock();

    // Act
    const first = await processNotificationBatch([sqsRecord(event, 1, firstReceivedAt)], deps);
    time.advance(60_000);
    const second = await processNotificationBatch([sqsRecord(event, 2, firstReceivedAt)], deps);

    // Assess
    expect(first.batchItemFailures).toHaveLength(1);
    expect(second.batchItemFailures).toEqual([]);
    expect(posted(requests, HEALTHY)).toBe(1);
    expect(posted(requests, DOWN)).toBe(2);
  });

  it('should report a revoked webhook (4xx), not retry it, and dead-letter the notification with the reason', async () => {
    // Prepare
    const { deps, requests, retries, deadLetters, ledger } = setUp(
      [
        { url: HEALTHY, format: 'slack' },
        { url: REVOKED, format: 'jandi' },
      ],
      { [HEALTHY]: [answer(200)], [REVOKED]: [answer(404)] },
    );

    // Act
    const result = await processNotificationBatch([sqsRecord(event, 1, deps.clock())], deps);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(retries).toEqual([]);
    expect(requests).toHaveLength(2);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]?.reason).toMatch(/target 1 \(jandi\) rejected.*HTTP 404/);
    expect(deadLetters[0]?.reason).not.toContain('revokedsecret');
    const rejected = output.json().filter((line) => typeof line.WebhookRejected === 'number');
    expect(rejected.map((line) => line.WebhookRejected)).toEqual([1]);
    // The healthy target stays recorded as delivered, so a redrive skips it.
    expect([...(await ledger.recorded(event.id)).values()]).toEqual([{ outcome: 'delivered' }]);
  });

  it('should post a redriven notification only to the target that had refused it', async () => {
    const { deps, requests, deadLetters } = setUp(
      [
        { url: HEALTHY, format: 'slack' },
        { url: REVOKED, format: 'jandi' },
      ],
      { [HEALTHY]: [answer(200)], [REVOKED]: [answer(410), answer(200)] },
    );
    await processNotificationBatch([sqsRecord(event, 1, deps.clock())], deps);
    // The operator fixed the URL and redrove the dead letter: a new message in the queue.
    const redriven = sqsRecord(JSON.parse(deadLetters[0]?.body ?? ''), 1, deps.clock());
    const result = await processNotificationBatch([redriven], deps);
    expect(result.batchItemFailures).toEqual([]);
    expect(posted(requests, HEALTHY)).toBe(1);
    expect(posted(requests, REVOKED)).toBe(2);
    expect(deadLetters).toHaveLength(1);
  });

  it('should not post again to a revoked target while another target is still being retried', async () => {
    const { deps, requests, deadLetters, time } = setUp(
      [
        { url: DOWN, format: 'json' },
        { url: REVOKED, format: 'jandi' },
      ],
      { [DOWN]: [answer(503), answer(200)], [REVOKED]: [answer(403)] },
    );
    const firstReceivedAt = time.clock();
    const first = await processNotificationBatch([sqsRecord(event, 1, firstReceivedAt)], deps);
    time.advance(60_000);
    const second = await processNotificationBatch([sqsRecord(event, 2, firstReceivedAt)], deps);
    expect(first.batchItemFailures).toHaveLength(1);
    expect(second.batchItemFailures).toEqual([]);
    expect(posted(requests, REVOKED)).toBe(1);
    expect(deadLetters.map((letter) => letter.reason)).toEqual([
      expect.stringMatching(/target 1 \(jandi\) rejected.*HTTP 403/),
    ]);
  });

  it('should dead-letter an invalid event at once, never retrying it', async () => {
    const { deps, requests, retries, deadLetters } = setUp([{ url: HEALTHY, format: 'slack' }], {});
    const created = eventBridgeEvent(AmiCreatedV1, AmiCreatedV1.examples[0]);
    const result = await processNotificationBatch(
      [sqsRecord(created, 1, deps.clock()), sqsRecord('not json', 1, deps.clock())],
      deps,
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(retries).toEqual([]);
    expect(requests).toEqual([]);
    expect(deadLetters.map((letter) => letter.reason).sort()).toEqual([
      expect.stringMatching(/got detail-type "AmiCreated"/),
      expect.stringMatching(/not JSON/),
    ]);
  });
});
