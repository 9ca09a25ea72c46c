import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { AmiAvailableV1, type AmiAvailableV1Detail, parseDetail, SOURCES } from '../../events';
import { type LocalCloud, startLocalCloud } from '../../infra/local/cloud';
import { matchesEventPattern } from '../../infra/local/events/event-pattern';
import { DEPLOY_REASON, TAG } from '../../services/shared/tags';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver';

/** Times of one path from "the outcome is known" to "the webhook arrived", in ms. */
export interface HopSamples {
  /** The first one: the function's (or the connection's) cold start. */
  readonly coldMs: number;
  readonly warmMs: readonly number[];
}

export interface NotificationHops {
  /**
   * Ours, whole: an AMI's bake ends in the local EC2 → its `EC2 AMI State Change` event on the
   * default bus → the wake-up state machine returns the waiting check's token → DescribeImages →
   * AmiAvailable on our bus → the notifier → its webhook. The delay from available to webhook.
   */
  readonly stateChange: HopSamples;
  /** Wake-up executions per AMI in those runs (Express, no function). */
  readonly wakeUpsPerAmi: number;
  /**
   * Ours when EC2's event is lost (it is best effort) and a check finds the AMI at its poll: from
   * PutEvents of AmiAvailable → the bus's rule → the notifier function → its webhook.
   */
  readonly eventBridge: HopSamples;
  /** The seed's: the checking function itself posts the webhook once it saw `available`. */
  readonly directPost: HopSamples;
  /**
   * The function invocations one AmiAvailable causes, by service: the targets of the template's
   * rules matching each event of that request on the bus (AmiAvailable and what it led to).
   */
  readonly invocationsPerAvailable: Readonly<Record<string, number>>;
  /** Other webhooks the same events caused (the janitor's purge report), per sample. */
  readonly otherWebhooksPerAvailable: number;
  /** The JANDI body the notifier sent, checked against the seed's format. */
  readonly webhookBody: unknown;
  /**
   * The watcher's definition from the template this cloud synthesized with the default settings
   * (bundling skipped, references resolved), so one synthesis serves the whole benchmark.
   */
  readonly watcherDefinition: Record<string, unknown>;
}

const INSTANCE_NAME = 'service-api';
/** One instance per whole-path sample: AMI names are per minute, so each needs its own name. */
const wakeInstanceName = (sample: number) => `wake-${sample}`;
/**
 * How long the local EC2 bakes each AMI: long enough for the creator to start the watcher and its
 * first check to wait (on AWS a bake takes minutes), short enough for the bench.
 */
const BAKE_MS = 1_000;
const WEBHOOK_TIMEOUT_MS = 15_000;
const JANDI_BODY = 'AMI Is Available.';

/**
 * Measures the notification hop on the local cloud (the system from the synthesized template, its
 * notifier the unchanged handler in a worker thread), sending webhooks to a receiver in this
 * process: `samples` AmiAvailable events published on the bus as the watcher publishes them, one
 * at a time with the cloud idle in between; then as many direct POSTs of the same JANDI webhook
 * from this process, which is what the seed's function does after its check.
 */
export async function measureNotificationHops(
  stateDir: string,
  samples: number,
): Promise<NotificationHops> {
  const receiver = await startWebhookReceiver();
  let cloud: LocalCloud | undefined;
  let client: EventBridgeClient | undefined;
  try {
    cloud = await startLocalCloud({
      apiPort: 0,
      awsPort: 0,
      stateDir,
      reset: true,
      // Waits are not scaled: with the scale at 1 the template is synthesized with the default
      // settings, as deployed, and a check that waited for its 60 s poll would miss the webhook
      // timeout: only a wake-up by EC2's event gets a whole-path sample in.
      waitScale: 1,
      bakeMs: BAKE_MS,
      // The instance and its newest deploy image, so the event names what the local EC2 holds
      // and the janitor, also subscribed to AmiAvailable, keeps that image and purges nothing.
      fixture: {
        instances: [
          { name: INSTANCE_NAME },
          ...Array.from({ length: samples }, (_, sample) => ({ name: wakeInstanceName(sample) })),
        ],
        images: [
          {
            name: AmiAvailableV1.examples[0]?.data.imageName ?? `${INSTANCE_NAME}-Deploy`,
            state: 'available',
            tags: { [TAG.reason]: DEPLOY_REASON, [TAG.instanceName]: INSTANCE_NAME },
            snapshots: 1,
          },
        ],
      },
      webhook: { url: receiver.url, format: 'jandi' },
    });
    const localCloud = cloud;
    client = new EventBridgeClient({
      endpoint: cloud.awsEndpoint,
      region: cloud.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const eventBridge = client;

    const viaBus: number[] = [];
    let webhookBody: unknown;
    let otherWebhooks = 0;
    let requestId = '';
    for (let sample = 0; sample < samples; sample += 1) {
      requestId = `polling-cost-${sample}`;
      const detail = availableDetail(cloud, requestId);
      const sent = performance.now();
      const { FailedEntryCount } = await eventBridge.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: SOURCES.watcher,
              DetailType: AmiAvailableV1.detailType,
              EventBusName: cloud.eventBusName,
              Detail: JSON.stringify(detail),
            },
          ],
        }),
      );
      if (FailedEntryCount !== 0) throw new Error('the local bus refused AmiAvailable');
      // The janitor, also subscribed to AmiAvailable, reports its (empty) purge as a webhook
      // too, sometimes first: only the availability message stops the clock.
      const webhook = await receiver.next(isAvailabilityMessage, WEBHOOK_TIMEOUT_MS);
      viaBus.push(webhook.atMs - sent);
      webhookBody = checkJandi(webhook.body, detail);
      await localCloud.whenIdle();
      otherWebhooks += receiver.drain().length;
    }

    const { stateChange, wakeUpsPerAmi } = await measureStateChangePath(
      localCloud,
      receiver,
      samples,
    );

    const direct: number[] = [];
    for (let sample = 0; sample < samples; sample += 1) {
      direct.push(await postDirectly(receiver, webhookBody));
      if (receiver.drain().length > 0) throw new Error('a webhook arrived from elsewhere');
    }

    return {
      stateChange,
      wakeUpsPerAmi,
      eventBridge: split(viaBus),
      directPost: split(direct),
      invocationsPerAvailable: invocationsCausedBy(cloud, requestId),
      otherWebhooksPerAvailable: otherWebhooks / samples,
      webhookBody,
      watcherDefinition: cloud.template.stateMachine.definition,
    };
  } finally {
    client?.destroy();
    await cloud?.stop();
    await receiver.close();
  }
}

/**
 * The whole path, one AMI at a time through the API as a user would: from the moment the local
 * EC2 finishes the bake (its creation time plus BAKE_MS) to the webhook's arrival, both on the
 * wall clock.
 */
async function measureStateChangePath(
  cloud: LocalCloud,
  receiver: WebhookReceiver,
  samples: number,
): Promise<{ stateChange: HopSamples; wakeUpsPerAmi: number }> {
  const delays: number[] = [];
  const wakeUp = cloud.template.stateMachines.find(
    (machine) => machine.service === 'watcher-wake-up',
  );
  if (!wakeUp) throw new Error('the template has no wake-up state machine');
  const wakeUpsBefore = cloud.stepFunctions.listExecutions({
    stateMachineArn: wakeUp.arn,
    maxResults: 1_000,
  }).executions.length;
  for (let sample = 0; sample < samples; sample += 1) {
    const name = wakeInstanceName(sample);
    const response = await fetch(cloud.createAmiUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instance_name_list: [name] }),
    });
    if (response.status !== 202) throw new Error(`the API answered ${response.status}`);
    const webhook = await receiver.next(
      (body) => isAvailabilityMessage(body) && JSON.stringify(body).includes(`Name: ${name}-`),
      WEBHOOK_TIMEOUT_MS,
    );
    const image = cloud.ec2.state.images.find((candidate) =>
      candidate.tags[TAG.name]?.startsWith(`${name}-`),
    );
    if (!image) throw new Error(`no AMI of ${name} in the local EC2`);
    const bakeEndMs = Date.parse(image.creationDate) + BAKE_MS;
    delays.push(performance.timeOrigin + webhook.atMs - bakeEndMs);
    await cloud.whenIdle();
    receiver.drain();
  }
  const wakeUps =
    cloud.stepFunctions.listExecutions({ stateMachineArn: wakeUp.arn, maxResults: 1_000 })
      .executions.length - wakeUpsBefore;
  return { stateChange: split(delays), wakeUpsPerAmi: wakeUps / samples };
}

/** The example AmiAvailable v1 detail, with the local EC2's ids and times of now. */
function availableDetail(cloud: LocalCloud, requestId: string): AmiAvailableV1Detail {
  const [example] = AmiAvailableV1.examples;
  const instance = cloud.ec2.state.instances.find(
    (candidate) => candidate.tags[TAG.name] === INSTANCE_NAME,
  );
  const image = cloud.ec2.state.images.find(
    (candidate) => candidate.tags[TAG.instanceName] === INSTANCE_NAME,
  );
  if (!example || !instance || !image) throw new Error('the fixture is not in the local EC2');
  const now = new Date().toISOString();
  return parseDetail(AmiAvailableV1, {
    metadata: { ...example.metadata, requestId, occurredAt: now },
    data: {
      ...example.data,
      requestId,
      instanceName: INSTANCE_NAME,
      instanceId: instance.instanceId,
      imageId: image.imageId,
      imageName: image.name,
      snapshotIds: image.blockDevices.map((device) => device.snapshotId),
      availableAt: now,
    },
  });
}

function isAvailabilityMessage(body: unknown): boolean {
  return (body as { body?: unknown } | null)?.body === JANDI_BODY;
}

/** The seed's JANDI webhook, exactly, for this image. */
function checkJandi(body: unknown, detail: AmiAvailableV1Detail): unknown {
  const expected = {
    body: JANDI_BODY,
    connectColor: '#28a745',
    connectInfo: [
      {
        title: 'Complete AMI Create. AMI State Available.',
        description: `AMI ID: ${detail.data.imageId}, Name: ${detail.data.imageName}`,
      },
    ],
  };
  if (JSON.stringify(body) !== JSON.stringify(expected)) {
    throw new Error(`the webhook is not the seed's JANDI message: ${JSON.stringify(body)}`);
  }
  return body;
}

/** One POST of the webhook from this process, as the seed's function sends it after its check. */
async function postDirectly(receiver: WebhookReceiver, body: unknown): Promise<number> {
  const sent = performance.now();
  const [response, webhook] = await Promise.all([
    fetch(receiver.url, {
      method: 'POST',
      headers: {
        Accept: 'application/vnd.tosslab.jandi-v2+json',
        'Content-Type': 'application/json',
      },
      body: JSON.stringify(body),
    }),
    receiver.next(isAvailabilityMessage, WEBHOOK_TIMEOUT_MS),
  ]);
  await response.text();
  return webhook.atMs - sent;
}

/**
 * Function invocations by service for one request's events on the bus: each event invokes the
 * function targets of the template's rules it matches (deliveries succeeded, as whenIdle and the
 * empty dead-letter log show).
 */
function invocationsCausedBy(cloud: LocalCloud, requestId: string): Record<string, number> {
  if (cloud.bus.deadLetters().length > 0) throw new Error('the local bus dead-lettered an event');
  const events = cloud.bus
    .events()
    .filter(
      (event) =>
        (event.detail.metadata as { requestId?: unknown } | undefined)?.requestId === requestId,
    );
  if (!events.some((event) => event['detail-type'] === AmiAvailableV1.detailType)) {
    throw new Error(`no AmiAvailable of ${requestId} on the local bus`);
  }
  const services = new Map(cloud.template.functions.map((fn) => [fn.arn, fn.service]));
  const invocations: Record<string, number> = {};
  for (const event of events) {
    for (const rule of cloud.template.rules) {
      if (!rule.eventPattern || !matchesEventPattern(rule.eventPattern, event)) continue;
      for (const target of rule.targets) {
        const service = services.get(target.arn);
        if (service) invocations[service] = (invocations[service] ?? 0) + 1;
      }
    }
  }
  return invocations;
}

function split(samples: readonly number[]): HopSamples {
  const [coldMs, ...warmMs] = samples;
  if (coldMs === undefined || warmMs.length === 0) throw new Error('at least two samples needed');
  return { coldMs, warmMs };
}
