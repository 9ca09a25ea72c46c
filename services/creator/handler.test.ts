import { CreateImageCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AmiCreatedV1 } from '../../events/ami-created.v1';
import { AmiFailedV1 } from '../../events/ami-failed.v1';
import { InvalidEventError, parseDetail, SOURCES } from '../../events/contract';
import { PublishError } from '../../events/publish';
import { startLedgerTables } from '../shared/ledger-tables.test-support';
import { createObservability, METRIC, MetricUnit } from '../shared/observability';
import type { RequestLedger } from '../shared/request-ledger';
import { announcementName } from './announce-failure';
import type { CreatorConfig } from './config';
import { type CreatorDependencies, DeployImagesIncompleteError } from './create-deploy-images';
import {
  ANNOUNCER_ARN,
  announceThrough,
  ec2Error,
  fakeEc2Account,
  fakeStateMachine,
  STATE_MACHINE_ARN,
} from './fake-cloud.test-double';
import { createHandler } from './handler';

// The module-level `handler` parses the environment when handler.ts is imported, so it must be
// set before the imports run.
vi.hoisted(() => {
  vi.stubEnv('EVENT_BUS_NAME', 'ami-lifecycle');
  vi.stubEnv('LEDGER_TABLE_NAME', 'ami-lifecycle-requests');
  vi.stubEnv(
    'STATE_MACHINE_ARN',
    'arn:aws:states:ap-northeast-2:123456789012:stateMachine:ami-lifecycle-watcher',
  );
  vi.stubEnv(
    'ANNOUNCER_STATE_MACHINE_ARN',
    'arn:aws:states:ap-northeast-2:123456789012:stateMachine:ami-lifecycle-announcer',
  );
});

const REQUEST = '01JDEPLOY0000000000000001';
const NOW = new Date('2025-06-05T12:00:07.000Z');
const config: CreatorConfig = {
  eventBusName: 'ami-lifecycle',
  ledgerTableName: 'ami-lifecycle-requests',
  stateMachineArn: STATE_MACHINE_ARN,
  announcerArn: ANNOUNCER_ARN,
  timeZone: 'UTC',
  noReboot: true,
  allowReboot: false,
  createConcurrency: 4,
  waitDeadlineMinutes: 360,
};

function amiRequested(
  data: Record<string, unknown>,
  { source = 'ami-lifecycle.api', requestId = REQUEST } = {},
): EventBridgeEvent<'AmiRequested', unknown> {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'AmiRequested',
    source,
    account: '123456789012',
    time: '2025-06-05T12:00:05Z',
    region: 'ap-northeast-2',
    resources: [],
    detail: {
      metadata: { schemaVersion: 1, requestId, occurredAt: '2025-06-05T12:00:05.000Z' },
      data,
    },
  };
}

function acceptAll({ Entries = [] }: { Entries?: PutEventsRequestEntry[] }) {
  return {
    FailedEntryCount: 0,
    Entries: Entries.map((_, index) => ({ EventId: `event-${index}` })),
  };
}

const context = {
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  functionName: 'ami-lifecycle-creator',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:ap-northeast-2:123456789012:function:ami-lifecycle-creator',
  memoryLimitInMB: '256',
  logGroupName: '/aws/lambda/ami-lifecycle-creator',
  logStreamName: '2025/06/05/[$LATEST]abcdef',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 120_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} satisfies Context;

describe('creator handler', () => {
  let account: ReturnType<typeof fakeEc2Account>;
  let machine: ReturnType<typeof fakeStateMachine>;
  const eventBridge = mockClient(EventBridgeClient);
  let tables: Awaited<ReturnType<typeof startLedgerTables>>;
  let ledger: RequestLedger;

  beforeAll(async () => {
    tables = await startLedgerTables();
  });

  afterAll(async () => {
    await tables?.close();
  });

  function deps(overrides: Partial<CreatorDependencies> = {}): CreatorDependencies {
    const { logger, metrics } = createObservability('creator');
    logger.setLogLevel('SILENT');
    return {
      ec2: new EC2Client({ region: 'ap-northeast-2' }),
      sfn: new SFNClient({ region: 'ap-northeast-2' }),
      eventBridge: new EventBridgeClient({ region: 'ap-northeast-2' }),
      ledger,
      clock: () => NOW,
      config,
      logger,
      metrics,
      publishOptions: { retryDelayMs: 0 },
      ...overrides,
    };
  }

  function published(): PutEventsRequestEntry[] {
    return eventBridge
      .commandCalls(PutEventsCommand)
      .flatMap((call) => call.args[0].input.Entries ?? []);
  }

  function publishedOf(detailType: string) {
    return published()
      .filter((entry) => entry.DetailType === detailType)
      .map((entry) => JSON.parse(entry.Detail ?? '{}'));
  }

  beforeEach(async () => {
    ({ ledger } = await tables.fresh(() => NOW));
    account = fakeEc2Account();
    // The announcer publishes the failure it is given and marks it published, as its states do.
    machine = fakeStateMachine(announceThrough(config.eventBusName, ledger));
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).callsFake(acceptAll);
    account.addInstance({
      id: 'i-0a0000000000000a1',
      name: 'service-api',
      launchTime: '2025-05-01T08:00:00Z',
    });
    account.addInstance({
      id: 'i-0b0000000000000b1',
      name: 'service-worker',
      launchTime: '2025-05-02T08:00:00Z',
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('should create one AMI per name, watch them in one execution and publish AmiCreated', async () => {
    // Prepare
    const handle = createHandler(deps());

    // Act
    const result = await handle(
      amiRequested({ instanceNames: ['service-api', 'service-worker'] }),
      context,
    );

    // Assess
    expect(result.created.map((image) => image.instanceName)).toEqual([
      'service-api',
      'service-worker',
    ]);
    expect(account.ec2).toHaveReceivedCommandTimes(CreateImageCommand, 2);
    expect(machine.sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(machine.sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: STATE_MACHINE_ARN,
      name: REQUEST,
      input: JSON.stringify({
        requestId: REQUEST,
        images: [
          {
            requestId: REQUEST,
            instanceName: 'service-api',
            instanceId: 'i-0a0000000000000a1',
            imageId: 'ami-00000000000000001',
            imageName: 'service-api-Deploy-2025-06-05_12_00',
            deadlineAt: '2025-06-05T18:00:07.000Z',
          },
          {
            requestId: REQUEST,
            instanceName: 'service-worker',
            instanceId: 'i-0b0000000000000b1',
            imageId: 'ami-00000000000000002',
            imageName: 'service-worker-Deploy-2025-06-05_12_00',
            deadlineAt: '2025-06-05T18:00:07.000Z',
          },
        ],
      }),
    });
    const entries = published();
    expect(entries.every((entry) => entry.Source === SOURCES.creator)).toBe(true);
    expect(entries.every((entry) => entry.EventBusName === 'ami-lifecycle')).toBe(true);
    const created = publishedOf('AmiCreated').map((detail) => parseDetail(AmiCreatedV1, detail));
    expect(created).toEqual([
      {
        metadata: { schemaVersion: 1, requestId: REQUEST, occurredAt: NOW.toISOString() },
        data: {
          requestId: REQUEST,
          instanceName: 'service-api',
          instanceId: 'i-0a0000000000000a1',
          imageId: 'ami-00000000000000001',
          imageName: 'service-api-Deploy-2025-06-05_12_00',
          noReboot: true,
          createdAt: NOW.toISOString(),
        },
      },
      expect.objectContaining({
        data: expect.objectContaining({ imageId: 'ami-00000000000000002' }),
      }),
    ]);
  });

  it.each(['ami-lifecycle.api', 'com.example.release-pipeline'])(
    'should accept AmiRequested from source %s',
    async (source) => {
      const result = await createHandler(deps())(
        amiRequested({ instanceNames: ['service-api'] }, { source }),
      );
      expect(result.created).toHaveLength(1);
    },
  );

  it('should name the AMI in the configured time zone', async () => {
    await createHandler(deps({ config: { ...config, timeZone: 'Asia/Seoul' } }))(
      amiRequested({ instanceNames: ['service-api'] }),
    );
    expect(account.ec2).toHaveReceivedCommandWith(CreateImageCommand, {
      Name: 'service-api-Deploy-2025-06-05_21_00',
    });
  });

  it('should not reboot the instance by default and say so in AmiCreated', async () => {
    await createHandler(deps())(amiRequested({ instanceNames: ['service-api'] }));
    expect(account.ec2).toHaveReceivedCommandWith(CreateImageCommand, { NoReboot: true });
    expect(publishedOf('AmiCreated')[0].data.noReboot).toBe(true);
  });

  it('should let a request override NO_REBOOT with options.noReboot where ALLOW_REBOOT is set', async () => {
    await createHandler(deps({ config: { ...config, allowReboot: true } }))(
      amiRequested({ instanceNames: ['service-api'], options: { noReboot: false } }),
    );
    expect(account.ec2).toHaveReceivedCommandWith(CreateImageCommand, { NoReboot: false });
    expect(publishedOf('AmiCreated')[0].data.noReboot).toBe(false);
  });

  it('should reboot when NO_REBOOT is false and the request does not say otherwise', async () => {
    await createHandler(deps({ config: { ...config, noReboot: false } }))(
      amiRequested({ instanceNames: ['service-api'] }),
    );
    expect(account.ec2).toHaveReceivedCommandWith(CreateImageCommand, { NoReboot: false });
  });

  it('should end every name with reboot-not-allowed when a request asks to reboot and ALLOW_REBOOT is not set', async () => {
    // Act
    const result = await createHandler(deps())(
      amiRequested({
        instanceNames: ['service-api', 'service-worker'],
        options: { noReboot: false },
      }),
    );

    // Assess
    expect(account.ec2).not.toHaveReceivedCommand(CreateImageCommand);
    expect(machine.executions.size).toBe(0);
    expect(result.failed).toEqual([
      { instanceName: 'service-api', reason: 'reboot-not-allowed' },
      { instanceName: 'service-worker', reason: 'reboot-not-allowed' },
    ]);
    const failed = publishedOf('AmiFailed').map((detail) => parseDetail(AmiFailedV1, detail).data);
    expect(failed.map(({ instanceName, reason }) => ({ instanceName, reason }))).toEqual(
      result.failed,
    );
    expect(failed[0]?.message).toMatch(/ALLOW_REBOOT/);
    expect(publishedOf('AmiCreated')).toEqual([]);
  });

  it('should accept a request asking to reboot where NO_REBOOT=false reboots anyway', async () => {
    await createHandler(deps({ config: { ...config, noReboot: false } }))(
      amiRequested({ instanceNames: ['service-api'], options: { noReboot: false } }),
    );
    expect(account.ec2).toHaveReceivedCommandWith(CreateImageCommand, { NoReboot: false });
    expect(publishedOf('AmiFailed')).toEqual([]);
  });

  it('should give every watched image a deadline WAIT_DEADLINE_MINUTES after it is handed over', async () => {
    await createHandler(deps({ config: { ...config, waitDeadlineMinutes: 90 } }))(
      amiRequested({ instanceNames: ['service-api', 'service-worker'] }),
    );

    const [execution] = [...machine.executions.values()];
    expect(
      JSON.parse(execution?.input ?? '{}').images.map(
        (image: { deadlineAt: string }) => image.deadlineAt,
      ),
    ).toEqual(['2025-06-05T13:30:07.000Z', '2025-06-05T13:30:07.000Z']);
    // The deadline is the watcher's business: AmiCreated does not carry it.
    expect(publishedOf('AmiCreated').map((detail) => detail.data)).not.toContainEqual(
      expect.objectContaining({ deadlineAt: expect.anything() }),
    );
  });

  it('should publish AmiFailed instance-not-found and still create the other names', async () => {
    const result = await createHandler(deps())(
      amiRequested({ instanceNames: ['service-ghost', 'service-api'] }),
    );

    expect(result.failed).toEqual([
      { instanceName: 'service-ghost', reason: 'instance-not-found' },
    ]);
    const failed = publishedOf('AmiFailed').map((detail) => parseDetail(AmiFailedV1, detail));
    expect(failed).toEqual([
      {
        metadata: { schemaVersion: 1, requestId: REQUEST, occurredAt: NOW.toISOString() },
        data: {
          requestId: REQUEST,
          instanceName: 'service-ghost',
          reason: 'instance-not-found',
          message: 'No running instance has the Name tag "service-ghost".',
          failedAt: NOW.toISOString(),
        },
      },
    ]);
    expect(publishedOf('AmiCreated').map((detail) => detail.data.instanceName)).toEqual([
      'service-api',
    ]);
    expect(
      JSON.parse(machine.sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '')
        .images,
    ).toHaveLength(1);
  });

  it('should publish AmiFailed create-failed with the EC2 error and not block the other names', async () => {
    // Prepare: EC2 refuses the api instance after the SDK's retries.
    account.failCreateImage(
      'i-0a0000000000000a1',
      ec2Error('IncorrectInstanceState', 'The instance is shutting down'),
    );

    // Act
    const result = await createHandler(deps())(
      amiRequested({ instanceNames: ['service-api', 'service-worker'] }),
    );

    // Assess
    expect(result.created.map((image) => image.instanceName)).toEqual(['service-worker']);
    expect(publishedOf('AmiFailed')[0].data).toMatchObject({
      instanceName: 'service-api',
      reason: 'create-failed',
      message: 'IncorrectInstanceState: The instance is shutting down',
      instanceId: 'i-0a0000000000000a1',
    });
    expect(publishedOf('AmiCreated').map((detail) => detail.data.instanceName)).toEqual([
      'service-worker',
    ]);
  });

  it.each([
    ['RequestLimitExceeded', 'Request limit exceeded.'],
    ['InternalError', 'An internal error has occurred'],
    ['Unavailable', 'The service is unavailable'],
    ['ServiceUnavailable', 'Service unavailable'],
  ])(
    'should leave a name whose CreateImage is answered %s to the platform and end it once',
    async (code, text) => {
      // Prepare: the api instance's CreateImage fails once after the SDK's retries.
      account.failCreateImage('i-0a0000000000000a1', ec2Error(code, text), 1);
      const event = amiRequested({ instanceNames: ['service-api', 'service-worker'] });

      // Act
      const first = createHandler(deps())(event);
      await expect(first).rejects.toThrow(DeployImagesIncompleteError);
      await expect(first).rejects.toThrow(`service-api (${code}: ${text})`);
      const afterFirst = publishedOf('AmiCreated').map((detail) => detail.data.instanceName);
      // The platform retries the event a minute later.
      const later = createHandler(deps({ clock: () => new Date('2025-06-05T12:01:07.000Z') }));
      await later(event);

      // Assess
      expect(afterFirst).toEqual(['service-worker']);
      expect(publishedOf('AmiFailed')).toEqual([]);
      expect(publishedOf('AmiCreated').map((detail) => detail.data.instanceName)).toEqual([
        'service-worker',
        'service-api',
      ]);
      expect(account.images).toHaveLength(2);
      for (const watchedBy of machine.watchers().values()) expect(watchedBy).toHaveLength(1);
    },
  );

  it('should rethrow a DescribeInstances that timed out without ending the name', async () => {
    account.ec2
      .on(DescribeInstancesCommand)
      .rejects(Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }));

    await expect(
      createHandler(deps())(amiRequested({ instanceNames: ['service-api'] })),
    ).rejects.toThrow(DeployImagesIncompleteError);
    expect(publishedOf('AmiFailed')).toEqual([]);
  });

  it('should end a name that failed for good only once when another name is retried', async () => {
    // Prepare: the api instance is throttled once; no instance is named service-ghost.
    account.failCreateImage(
      'i-0a0000000000000a1',
      ec2Error('RequestLimitExceeded', 'Request limit exceeded.'),
      1,
    );
    const event = amiRequested({
      instanceNames: ['service-ghost', 'service-api', 'service-worker'],
    });

    // Act
    await expect(createHandler(deps())(event)).rejects.toThrow(DeployImagesIncompleteError);
    const failedAfterFirst = publishedOf('AmiFailed');
    // The platform retries the event a minute later; service-ghost is still missing.
    const result = await createHandler(deps({ clock: () => new Date('2025-06-05T12:01:07.000Z') }))(
      event,
    );

    // Assess: every name ends exactly once; the worker is neither created nor announced twice.
    expect(failedAfterFirst).toEqual([]);
    expect(result.failed).toEqual([
      { instanceName: 'service-ghost', reason: 'instance-not-found' },
    ]);
    expect(publishedOf('AmiFailed').map((detail) => detail.data.instanceName)).toEqual([
      'service-ghost',
    ]);
    expect(publishedOf('AmiCreated').map((detail) => detail.data.instanceName)).toEqual([
      'service-worker',
      'service-api',
    ]);
    expect(account.ec2).toHaveReceivedCommandTimes(CreateImageCommand, 3);
    expect(account.images).toHaveLength(2);
  });

  it('should not announce again the images an earlier delivery announced', async () => {
    const event = amiRequested({ instanceNames: ['service-api', 'service-worker'] });
    await createHandler(deps())(event);

    const later = createHandler(deps({ clock: () => new Date('2025-06-05T12:01:30.000Z') }));
    const second = await later(event);

    expect(second.created.map((image) => image.reused)).toEqual([true, true]);
    expect(publishedOf('AmiCreated').map((detail) => detail.data.instanceName)).toEqual([
      'service-api',
      'service-worker',
    ]);
  });

  it('should announce on redelivery an image whose earlier delivery failed before watching it', async () => {
    // Prepare: the image is made, then Step Functions fails after the SDK's retries.
    machine.failStartExecution(new Error('socket hang up'));
    const event = amiRequested({ instanceNames: ['service-api'] });
    await expect(createHandler(deps())(event)).rejects.toThrow('socket hang up');

    // Act
    const later = createHandler(deps({ clock: () => new Date('2025-06-05T12:01:30.000Z') }));
    const result = await later(event);

    // Assess
    expect(result.created).toMatchObject([{ instanceName: 'service-api', reused: true }]);
    expect(publishedOf('AmiCreated').map((detail) => detail.data.imageId)).toEqual([
      'ami-00000000000000001',
    ]);
  });

  it('should start no execution when no image was created', async () => {
    const result = await createHandler(deps())(
      amiRequested({ instanceNames: ['service-ghost', 'service-phantom'] }),
    );

    expect(result.executionArns).toEqual([]);
    expect(machine.executions.size).toBe(0);
    expect(publishedOf('AmiFailed')).toHaveLength(2);
    expect(machine.announcements.size).toBe(2);
  });

  it('should create no second AMI and start no second execution for a redelivered event', async () => {
    // Prepare
    const handle = createHandler(deps());
    const event = amiRequested({ instanceNames: ['service-api', 'service-worker'] });
    const first = await handle(event);

    // Act: EventBridge delivers at least once; a minute later the AMI name would differ.
    const later = createHandler(deps({ clock: () => new Date('2025-06-05T12:01:30.000Z') }));
    const second = await later(event);

    // Assess
    expect(account.ec2).toHaveReceivedCommandTimes(CreateImageCommand, 2);
    expect(account.images).toHaveLength(2);
    expect(second.created.map((image) => image.imageId)).toEqual(
      first.created.map((image) => image.imageId),
    );
    expect(second.executionArns).toEqual(first.executionArns);
    expect(machine.executions.size).toBe(1);
    // The running execution keeps the deadline of the first delivery.
    const [execution] = [...machine.executions.values()];
    expect(JSON.parse(execution?.input ?? '{}').images[0].deadlineAt).toBe(
      '2025-06-05T18:00:07.000Z',
    );
  });

  it('should join the image another request made of the same instance in the same minute', async () => {
    // Prepare: request A images service-api; request B asks for the same name seconds later.
    const dependencies = deps();
    const addMetric = vi.spyOn(dependencies.metrics, 'addMetric');
    vi.spyOn(dependencies.metrics, 'publishStoredMetrics').mockReturnThis();
    const info = vi.spyOn(dependencies.logger, 'info');
    const handle = createHandler(dependencies);
    const first = await handle(amiRequested({ instanceNames: ['service-api'] }));
    const OTHER = '01JDEPLOY0000000000000002';
    eventBridge.resetHistory();

    // Act
    const second = await handle(
      amiRequested({ instanceNames: ['service-api'] }, { requestId: OTHER }),
    );

    // Assess: one image, watched once for each request, announced for each request.
    const imageId = first.created[0]?.imageId;
    expect(second.created).toEqual([
      { instanceName: 'service-api', imageId, reused: true, joinedRequestId: REQUEST },
    ]);
    expect(second.failed).toEqual([]);
    expect(account.ec2).toHaveReceivedCommandTimes(CreateImageCommand, 2);
    expect(account.images).toHaveLength(1);
    expect(
      machine
        .watchers()
        .get(imageId ?? '')
        ?.sort(),
    ).toEqual([
      `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${REQUEST}`,
      `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${OTHER}`,
    ]);
    const watched = JSON.parse(
      [...machine.executions.values()].find((execution) => execution.arn.endsWith(OTHER))?.input ??
        '{}',
    );
    expect(watched.images).toMatchObject([{ requestId: OTHER, imageId }]);
    expect(publishedOf('AmiFailed')).toEqual([]);
    expect(publishedOf('AmiCreated')).toMatchObject([
      { metadata: { requestId: OTHER }, data: { requestId: OTHER, imageId } },
    ]);
    // The image keeps the request-id tag of the request that made it, and is counted once.
    expect(account.images[0]?.Tags).toContainEqual({
      Key: 'ami-lifecycle:request-id',
      Value: REQUEST,
    });
    expect(addMetric).toHaveBeenCalledTimes(1);
    expect(info).toHaveBeenCalledWith(
      'deploy image joined',
      expect.objectContaining({ requestId: OTHER, imageId, joinedRequestId: REQUEST }),
    );
  });

  it('should watch an image made on redelivery in exactly one execution', async () => {
    // Prepare: the first delivery creates only the api image; EC2 fails the worker for now.
    account.failCreateImage(
      'i-0b0000000000000b1',
      ec2Error('InternalError', 'An internal error has occurred'),
      1,
    );
    const handle = createHandler(deps());
    const event = amiRequested({ instanceNames: ['service-api', 'service-worker'] });
    await expect(handle(event)).rejects.toThrow(DeployImagesIncompleteError);

    // Act: the platform retries a minute later; now the worker image is created as well.
    const later = createHandler(deps({ clock: () => new Date('2025-06-05T12:01:07.000Z') }));
    const result = await later(event);

    // Assess
    expect(result.created.map((image) => image.reused)).toEqual([true, false]);
    const watchers = machine.watchers();
    expect([...watchers.keys()].sort()).toEqual(['ami-00000000000000001', 'ami-00000000000000002']);
    for (const watchedBy of watchers.values()) expect(watchedBy).toHaveLength(1);
    expect(result.executionArns).toHaveLength(2);
    // Each image's deadline counts from when its own execution was started.
    const deadlines = new Map(
      [...machine.executions.values()].flatMap(({ input }) =>
        JSON.parse(input).images.map((image: { imageId: string; deadlineAt: string }) => [
          image.imageId,
          image.deadlineAt,
        ]),
      ),
    );
    expect(Object.fromEntries(deadlines)).toEqual({
      'ami-00000000000000001': '2025-06-05T18:00:07.000Z',
      'ami-00000000000000002': '2025-06-05T18:01:07.000Z',
    });
    const retried = eventBridge.commandCalls(PutEventsCommand).at(-1)?.args[0].input.Entries;
    expect(retried?.map((entry) => JSON.parse(entry.Detail ?? '{}').data.instanceName)).toEqual([
      'service-worker',
    ]);
  });

  it('should throw after starting the watcher when EventBridge rejects the events', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'Internal failure' }],
    });

    await expect(
      createHandler(deps())(amiRequested({ instanceNames: ['service-api'] })),
    ).rejects.toThrow(PublishError);
    // Created images are watched before they are announced, so a retry only republishes.
    expect(machine.executions.size).toBe(1);
  });

  it('should publish in batches of at most 10 entries', async () => {
    const names = Array.from({ length: 12 }, (_, index) => `service-${index}`);
    names.forEach((name, index) => {
      account.addInstance({
        id: `i-0c${String(index).padStart(15, '0')}`,
        name,
        launchTime: '2025-05-03T08:00:00Z',
      });
    });
    await createHandler(deps())(amiRequested({ instanceNames: names }));
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 2);
    expect(publishedOf('AmiCreated')).toHaveLength(12);
  });

  it('should hand each failed name to its own announcer execution, once per name', async () => {
    const names = ['service-ghost', 'service-phantom'];
    await createHandler(deps())(amiRequested({ instanceNames: names }));
    await createHandler(deps())(amiRequested({ instanceNames: names }));

    expect([...machine.announcements.keys()].sort()).toEqual(
      names
        .map(
          (name) =>
            `${ANNOUNCER_ARN.replace(':stateMachine:', ':execution:')}:${announcementName(REQUEST, name)}`,
        )
        .sort(),
    );
    expect(
      publishedOf('AmiFailed')
        .map((detail) => detail.data.instanceName)
        .sort(),
    ).toEqual(names);
  });

  it('should run at most CREATE_CONCURRENCY names at once', async () => {
    // Prepare: every lookup takes a moment, so overlapping names would be seen.
    let running = 0;
    let mostAtOnce = 0;
    account.ec2.on(DescribeInstancesCommand).callsFake(async () => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
      return { Reservations: [] };
    });
    const names = Array.from({ length: 7 }, (_, index) => `service-${index}`);

    // Act
    await createHandler(deps({ config: { ...config, createConcurrency: 2 } }))(
      amiRequested({ instanceNames: names }),
    );

    // Assess
    expect(mostAtOnce).toBe(2);
    expect(publishedOf('AmiFailed')).toHaveLength(7);
  });

  it('should announce what it settled and then throw when a name cannot be settled yet', async () => {
    // Prepare: the api name is taken by an image DescribeImages does not show yet.
    account.failCreateImage(
      'i-0a0000000000000a1',
      ec2Error('InvalidAMIName.Duplicate', 'AMI name is already in use'),
    );

    // Act
    const outcome = createHandler(deps())(
      amiRequested({ instanceNames: ['service-api', 'service-worker'] }),
    );

    // Assess
    await expect(outcome).rejects.toThrow(DeployImagesIncompleteError);
    await expect(outcome).rejects.toThrow(/service-api/);
    expect(machine.executions.size).toBe(1);
    expect(publishedOf('AmiCreated').map((detail) => detail.data.instanceName)).toEqual([
      'service-worker',
    ]);
    expect(publishedOf('AmiFailed')).toEqual([]);
  });

  it('should count created images, but not images reused on redelivery', async () => {
    const dependencies = deps();
    const addMetric = vi.spyOn(dependencies.metrics, 'addMetric');
    vi.spyOn(dependencies.metrics, 'publishStoredMetrics').mockReturnThis();
    const handle = createHandler(dependencies);
    const event = amiRequested({ instanceNames: ['service-api', 'service-worker'] });

    await handle(event);
    await handle(event);

    expect(addMetric).toHaveBeenCalledTimes(1);
    expect(addMetric).toHaveBeenCalledWith(METRIC.created, MetricUnit.Count, 2);
  });

  it('should throw InvalidEventError naming the field and touch nothing', async () => {
    const handle = createHandler(deps());

    const outcome = handle(amiRequested({ instanceNames: ['service-api', 'bad:name'] }));

    await expect(outcome).rejects.toThrow(InvalidEventError);
    await expect(outcome).rejects.toThrow('detail.data.instanceNames[1]');
    expect(account.ec2).not.toHaveReceivedAnyCommand();
    expect(machine.sfn).not.toHaveReceivedAnyCommand();
    expect(eventBridge).not.toHaveReceivedAnyCommand();
  });

  it('should write the request id on every log line', async () => {
    // Prepare
    const lines: string[] = [];
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk) => {
        lines.push(String(chunk));
        return true;
      });
    }
    const dependencies = deps();
    dependencies.logger.setLogLevel('INFO');
    vi.spyOn(dependencies.metrics, 'publishStoredMetrics').mockReturnThis();

    // Act
    await createHandler(dependencies)(
      amiRequested({ instanceNames: ['service-api', 'service-ghost'] }),
      context,
    );

    // Assess
    const logs = lines
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
    expect(logs.map((log) => log.level)).toEqual(expect.arrayContaining(['INFO', 'WARN']));
    expect(logs.some((log) => /reserved key/.test(log.message))).toBe(false);
    for (const log of logs) {
      expect(log).toMatchObject({ requestId: REQUEST, function_request_id: context.awsRequestId });
    }
  });

  it('should build its handler from the environment at cold start', async () => {
    const module = await import('./handler');
    expect(module.handler).toBeTypeOf('function');
  });

  it('should fail at cold start naming a missing variable', async () => {
    vi.resetModules();
    vi.stubEnv('STATE_MACHINE_ARN', undefined);
    try {
      // A fresh module graph has its own ConfigurationError class, so compare by name.
      await expect(import('./handler')).rejects.toMatchObject({
        name: 'ConfigurationError',
        message: expect.stringContaining('STATE_MACHINE_ARN: must be set'),
      });
    } finally {
      vi.stubEnv('STATE_MACHINE_ARN', STATE_MACHINE_ARN);
    }
  });
});
