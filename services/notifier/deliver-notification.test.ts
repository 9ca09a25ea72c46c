import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AmiAvailableV1 } from '../../events/ami-available.v1';
import { AmiFailedV1 } from '../../events/ami-failed.v1';
import { deliverNotification, describeUndelivered } from './deliver-notification';
import { inMemoryDeliveryLedger } from './delivery-ledger.fake';
import {
  answer,
  captureOutput,
  deliveryOutcomes,
  fakePost,
  fakeTime,
  networkError,
  notificationOf,
  observability,
} from './fixtures';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature } from './webhook-signature';
import type { WebhookTarget } from './webhook-target';

const SLACK = 'https://hooks.slack.com/services/T0SECRET/B0SECRET/slacktokensecret';
const TEAMS =
  'https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual?sig=teamssecret';
const JSON_SINK = 'https://deploys.example.com/hooks/ami?token=jsonsecret';
const policy = { timeoutMs: 5_000, retryBudgetMs: 3_000 };
const available = notificationOf(AmiAvailableV1, AmiAvailableV1.examples[0]);
const failed = notificationOf(AmiFailedV1, AmiFailedV1.examples[0]);

let output: ReturnType<typeof captureOutput>;
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => {
  output.restore();
});

function deps(replies: Parameters<typeof fakePost>[0]) {
  const { post, requests } = fakePost(replies);
  return {
    requests,
    deps: { ...fakeTime(), ...observability(), post, ledger: inMemoryDeliveryLedger() },
  };
}

describe('deliverNotification', () => {
  it('should deliver to every target that subscribes to the event, each in its format', async () => {
    // Prepare
    const targets: WebhookTarget[] = [
      { url: SLACK, format: 'slack' },
      { url: TEAMS, format: 'teams', events: ['AmiFailed'] },
      { url: JSON_SINK, format: 'json', events: ['AmiAvailable', 'AmiPurged'] },
    ];
    const { requests, deps: notifyDeps } = deps({
      [SLACK]: [answer(200)],
      [JSON_SINK]: [answer(202)],
    });
    // Act
    await deliverNotification(available, targets, policy, notifyDeps);
    // Assess
    expect(requests.map((request) => request.url).sort()).toEqual([JSON_SINK, SLACK].sort());
    const slack = requests.find((request) => request.url === SLACK);
    expect(JSON.parse(slack?.body ?? '{}')).toHaveProperty('blocks');
    const json = requests.find((request) => request.url === JSON_SINK);
    expect(JSON.parse(json?.body ?? '{}')['detail-type']).toBe('AmiAvailable');
    expect(deliveryOutcomes(output.json())).toEqual({ delivered: 2 });
  });

  it('should deliver nothing and succeed when no target wants the event', async () => {
    const { requests, deps: notifyDeps } = deps({});
    await deliverNotification(
      failed,
      [{ url: SLACK, format: 'slack', events: ['AmiPurged'] }],
      policy,
      notifyDeps,
    );
    expect(requests).toHaveLength(0);
  });

  it('should sign deliveries to a target with a secret so the receiver can verify them', async () => {
    const secret = 'whsec-0123456789abcdef';
    const { requests, deps: notifyDeps } = deps({ [JSON_SINK]: [answer(200)] });
    await deliverNotification(
      available,
      [{ url: JSON_SINK, format: 'json', secret }],
      policy,
      notifyDeps,
    );
    const [request] = requests;
    const delivery = {
      body: request?.body ?? '',
      timestamp: request?.headers[TIMESTAMP_HEADER.toLowerCase()],
      signature: request?.headers[SIGNATURE_HEADER.toLowerCase()],
    };
    expect(verifyWebhookSignature(secret, delivery, notifyDeps.clock())).toBe(true);
  });

  it('should report a 4xx as a rejection without retrying it', async () => {
    const { requests, deps: notifyDeps } = deps({
      [SLACK]: [answer(400)],
    });
    await expect(
      deliverNotification(available, [{ url: SLACK, format: 'slack' }], policy, notifyDeps),
    ).resolves.toMatchObject({ failures: [], rejections: [{ target: 0, status: 400 }] });
    expect(requests).toHaveLength(1);
    const errors = output.json().filter((line) => line.level === 'ERROR');
    expect(errors).toEqual([
      expect.objectContaining({ target: 0, format: 'slack', status: 400, attempts: 1 }),
    ]);
    expect(deliveryOutcomes(output.json())).toEqual({ rejected: 1 });
  });

  it('should finish every other target and report the one that kept failing', async () => {
    const targets: WebhookTarget[] = [
      { url: SLACK, format: 'slack' },
      { url: JSON_SINK, format: 'json' },
    ];
    const { requests, deps: notifyDeps } = deps({
      [SLACK]: Array.from({ length: 20 }, () => answer(503)),
      [JSON_SINK]: [answer(500), answer(200)],
    });
    const report = await deliverNotification(available, targets, policy, notifyDeps);
    expect(report).toMatchObject({
      failures: [{ target: 0, format: 'slack', lastFailure: 'HTTP 503' }],
      rejections: [],
    });
    expect(requests.filter((request) => request.url === JSON_SINK)).toHaveLength(2);
    expect(deliveryOutcomes(output.json())).toEqual({ delivered: 1, failed: 1 });
  });

  it('should never write a webhook URL or secret to the logs or the reason', async () => {
    const targets: WebhookTarget[] = [
      { url: SLACK, format: 'slack' },
      { url: TEAMS, format: 'teams' },
      { url: JSON_SINK, format: 'json', secret: 'whsec-0123456789abcdef' },
    ];
    const { deps: notifyDeps } = deps({
      [SLACK]: [answer(200)],
      [TEAMS]: [answer(404)],
      // As node:http rejects: a plain Error with a code, its message naming the host.
      [JSON_SINK]: Array.from({ length: 20 }, () => networkError('ENOTFOUND', JSON_SINK)),
    });
    const report = await deliverNotification(available, targets, policy, notifyDeps);
    expect(report.failures).toHaveLength(1);
    expect(report.rejections).toHaveLength(1);
    // The failures quoted the host: nothing below may repeat it.
    expect(networkError('ENOTFOUND', JSON_SINK).message).toContain('deploys.example.com');
    const everything = `${output.text()}\n${describeUndelivered(report)}\n${JSON.stringify(report)}`;
    expect(output.lines.length).toBeGreaterThan(2);
    for (const secret of [
      'slacktokensecret',
      'teamssecret',
      'jsonsecret',
      'whsec-',
      'hooks.slack.com',
      'deploys.example.com',
    ]) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).toContain('ENOTFOUND');
  });
});
