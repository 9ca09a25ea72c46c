import { CreateImageCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AmiRequestedV1Detail } from '../../events/ami-requested.v1';
import { startLedgerTables } from '../shared/ledger-tables.test-support';
import { createObservability } from '../shared/observability';
import type { RequestLedger } from '../shared/request-ledger';
import type { CreatorConfig } from './config';
import { type CreatorDependencies, createDeployImages } from './create-deploy-images';
import {
  ANNOUNCER_ARN,
  announceThrough,
  fakeEc2Account,
  fakeStateMachine,
  STATE_MACHINE_ARN,
} from './fake-cloud.test-double';

const REQUEST = '01JLEDGER000000000000001';
const OTHER = '01JLEDGER000000000000002';
const AT_12_00 = new Date('2025-06-05T12:00:07.000Z');
const AT_12_05 = new Date('2025-06-05T12:05:07.000Z');
const config: CreatorConfig = {
  eventBusName: 'ami-lifecycle',
  ledgerTableName: 'unused: the ledger is injected',
  stateMachineArn: STATE_MACHINE_ARN,
  announcerArn: ANNOUNCER_ARN,
  timeZone: 'UTC',
  noReboot: true,
  allowReboot: false,
  createConcurrency: 4,
  waitDeadlineMinutes: 360,
};

function request(requestId: string, instanceNames: string[]): AmiRequestedV1Detail {
  return {
    metadata: { schemaVersion: 1, requestId, occurredAt: '2025-06-05T12:00:05.000Z' },
    data: {
      instanceNames,
      requestedBy: 'arn:aws:iam::123456789012:user/ci',
      requestLabel: 'release 42',
    },
  };
}

describe('the creator and the request ledger', () => {
  const eventBridge = mockClient(EventBridgeClient);
  let tables: Awaited<ReturnType<typeof startLedgerTables>>;
  let ledger: RequestLedger;
  let account: ReturnType<typeof fakeEc2Account>;
  let failPublishing = false;
  /** Entries EventBridge accepted. */
  let accepted: PutEventsRequestEntry[] = [];

  beforeAll(async () => {
    tables = await startLedgerTables();
  });

  afterAll(async () => {
    await tables?.close();
  });

  beforeEach(async () => {
    ({ ledger } = await tables.fresh(() => AT_12_00));
    account = fakeEc2Account();
    // The announcer publishes the failure it is given and marks it published, as its states do.
    fakeStateMachine(announceThrough(config.eventBusName, ledger));
    failPublishing = false;
    accepted = [];
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).callsFake(({ Entries = [] }) => {
      if (failPublishing)
        throw Object.assign(new Error('unavailable'), { name: 'ServiceUnavailable' });
      accepted.push(...Entries);
      return {
        FailedEntryCount: 0,
        Entries: Entries.map((_: unknown, index: number) => ({ EventId: `event-${index}` })),
      };
    });
    account.addInstance({
      id: 'i-0a0000000000000a1',
      name: 'service-api',
      launchTime: '2025-05-01T08:00:00Z',
    });
  });

  function deps(clock = AT_12_00): CreatorDependencies {
    const { logger, metrics } = createObservability('creator');
    logger.setLogLevel('SILENT');
    return {
      ec2: new EC2Client({ region: 'ap-northeast-2' }),
      sfn: new SFNClient({ region: 'ap-northeast-2' }),
      eventBridge: new EventBridgeClient({ region: 'ap-northeast-2' }),
      ledger,
      clock: () => clock,
      config,
      logger,
      metrics,
      publishOptions: { retryDelayMs: 0 },
    };
  }

  function published(
    detailType: string,
  ): { metadata: { requestId: string }; data: Record<string, unknown> }[] {
    return accepted
      .filter((entry: PutEventsRequestEntry) => entry.DetailType === detailType)
      .map((entry: PutEventsRequestEntry) => JSON.parse(entry.Detail ?? '{}'));
  }

  it('should record each name with who asked, its source instance and its image', async () => {
    const result = await createDeployImages(
      request(REQUEST, ['service-api', 'service-ghost']),
      deps(),
    );

    const imageId = result.created[0]?.imageId;
    expect(await ledger.read({ requestId: REQUEST, instanceName: 'service-api' })).toMatchObject({
      state: 'pending',
      instanceId: 'i-0a0000000000000a1',
      imageId,
      imageName: 'service-api-Deploy-2025-06-05_12_00',
      requestedBy: 'arn:aws:iam::123456789012:user/ci',
      requestLabel: 'release 42',
      requestedAt: '2025-06-05T12:00:05.000Z',
    });
    expect(await ledger.read({ requestId: REQUEST, instanceName: 'service-ghost' })).toMatchObject({
      state: 'failed',
      reason: 'instance-not-found',
      published: true,
    });
  });

  it('should not end a name again when a redelivery finds its instance after it failed', async () => {
    // Prepare: no instance is named service-worker yet; the name ends with AmiFailed.
    await createDeployImages(request(REQUEST, ['service-worker']), deps());

    // Act: the instance appears, and the same event is delivered again.
    account.addInstance({
      id: 'i-0b0000000000000b1',
      name: 'service-worker',
      launchTime: '2025-05-02T08:00:00Z',
    });
    const again = await createDeployImages(request(REQUEST, ['service-worker']), deps(AT_12_05));

    // Assess: one terminal event, no image, nothing announced by the redelivery.
    expect(again.ended).toEqual(['service-worker']);
    expect(published('AmiFailed')).toHaveLength(1);
    expect(published('AmiCreated')).toEqual([]);
    expect(account.ec2).not.toHaveReceivedCommand(CreateImageCommand);
  });

  it('should publish a failure once when the delivery that published it is cut before recording it', async () => {
    // Prepare: the first write marking a name published fails, as if the process died there.
    let cut = false;
    const cutLedger: RequestLedger = Object.assign(Object.create(ledger), {
      markPublished: async (key: { requestId: string; instanceName: string }) => {
        if (!cut) {
          cut = true;
          throw new Error('killed');
        }
        return ledger.markPublished(key);
      },
    });

    // Act: that delivery, then the platform's redelivery of the same request.
    await createDeployImages(request(REQUEST, ['service-ghost']), {
      ...deps(),
      ledger: cutLedger,
    }).catch(() => undefined);
    await createDeployImages(request(REQUEST, ['service-ghost']), deps(AT_12_05));

    // Assess
    expect(published('AmiFailed').map((detail) => detail.data.instanceName)).toEqual([
      'service-ghost',
    ]);
  });

  it('should announce on redelivery a failure whose publish failed, once', async () => {
    failPublishing = true;
    await createDeployImages(request(REQUEST, ['service-ghost']), deps()).catch(() => undefined);
    expect(await ledger.read({ requestId: REQUEST, instanceName: 'service-ghost' })).toMatchObject({
      state: 'failed',
      published: false,
    });

    failPublishing = false;
    await createDeployImages(request(REQUEST, ['service-ghost']), deps(AT_12_05));
    await createDeployImages(request(REQUEST, ['service-ghost']), deps(AT_12_05));

    expect(published('AmiFailed').map((detail) => detail.data.instanceName)).toEqual([
      'service-ghost',
    ]);
  });

  it('should keep a joined image when the join is redelivered after the minute', async () => {
    // Prepare: REQUEST images service-api at 12:00; OTHER asks within the same minute and joins
    // that image, but its delivery fails to publish.
    await createDeployImages(request(REQUEST, ['service-api']), deps());
    failPublishing = true;
    await expect(createDeployImages(request(OTHER, ['service-api']), deps())).rejects.toThrow();

    // Act: the platform retries OTHER at 12:05, when the AMI name would be free again.
    failPublishing = false;
    const retried = await createDeployImages(request(OTHER, ['service-api']), deps(AT_12_05));

    // Assess: still one image, and OTHER goes on with it.
    expect(account.images).toHaveLength(1);
    expect(retried.created).toMatchObject([
      { instanceName: 'service-api', imageId: account.images[0]?.ImageId },
    ]);
    expect(await ledger.read({ requestId: OTHER, instanceName: 'service-api' })).toMatchObject({
      state: 'pending',
      imageId: account.images[0]?.ImageId,
    });
  });

  it('should end a refused reboot through the ledger, once', async () => {
    const detail = request(REQUEST, ['service-api']);
    const asking = { ...detail, data: { ...detail.data, options: { noReboot: false } } };

    await createDeployImages(asking, deps());
    await createDeployImages(asking, deps(AT_12_05));

    expect(published('AmiFailed').map((event) => event.data.reason)).toEqual([
      'reboot-not-allowed',
    ]);
    expect(await ledger.read({ requestId: REQUEST, instanceName: 'service-api' })).toMatchObject({
      state: 'failed',
      reason: 'reboot-not-allowed',
    });
  });
});
