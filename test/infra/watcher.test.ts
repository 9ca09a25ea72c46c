import aslValidator from 'asl-validator';
import { describe, expect, it, vi } from 'vitest';
import {
  AmiAvailableV1,
  AmiFailedV1,
  type EventContract,
  parseDetail,
  SOURCES,
  type WatcherImage,
  type WatcherInput,
} from '../../events';
import { z } from '../../events/zod';
import { parseSettings } from '../../infra/settings';
import { TEMPLATE_METADATA } from '../../infra/template-metadata';
import { WATCHER_MAP_LABEL, WATCHER_STATES } from '../../infra/watcher/definition';
import { synthesize } from './synthesize';
import {
  type LocalHandler,
  putEventsInput,
  resourcesWithMetadata,
  stateMachineOf,
  templateJson,
  watcherDefinition,
} from './template';

/** What EC2 answers to one DescribeImages call for an image: a state, nothing, or an error. */
type Answer =
  | { state: string; reason?: { Code: string; Message: string } }
  | 'missing'
  | 'throttled';

type Json = Awaited<ReturnType<LocalHandler>>;

/** The parts of the Task inputs the handlers read, parsed as a service would. */
const describeImagesInput = z.object({
  Filters: z.array(z.object({ Name: z.string(), Values: z.array(z.string()) })),
});
const putItemInput = z.object({
  TableName: z.string(),
  Item: z.object({
    imageId: z.object({ S: z.string() }),
    taskToken: z.object({ S: z.string() }),
  }),
});
const deleteItemInput = z.object({
  TableName: z.string(),
  Key: z.object({ imageId: z.object({ S: z.string() }) }),
});
const updateItemInput = z.object({
  TableName: z.string(),
  Key: z.object({
    requestId: z.object({ S: z.string() }),
    instanceName: z.object({ S: z.string() }),
  }),
  ExpressionAttributeValues: z.record(
    z.string(),
    z.union([z.object({ S: z.string() }), z.object({ BOOL: z.boolean() })]),
  ),
});

/** Which image an event is about: every watcher event carries it. */
const publishedImage = z.object({ data: z.object({ imageId: z.string() }) });

interface Published {
  readonly detailType: string;
  readonly source: string;
  readonly eventBusName: string;
  readonly detail: unknown;
}

const CONTRACTS: Record<string, EventContract> = {
  [AmiAvailableV1.detailType]: AmiAvailableV1,
  [AmiFailedV1.detailType]: AmiFailedV1,
};

const PUBLISH_STATES = [
  WATCHER_STATES.publishAvailable,
  WATCHER_STATES.publishImageFailed,
  WATCHER_STATES.publishImageFailedWithoutReason,
  WATCHER_STATES.publishImageMissing,
  WATCHER_STATES.publishTimedOut,
  WATCHER_STATES.publishWatcherError,
];

/** The states that write an AMI's terminal state to the request ledger before it is published. */
const RECORD_STATES = [
  WATCHER_STATES.recordAvailable,
  WATCHER_STATES.recordImageFailed,
  WATCHER_STATES.recordImageFailedWithoutReason,
  WATCHER_STATES.recordImageMissing,
  WATCHER_STATES.recordTimedOut,
  WATCHER_STATES.recordWatcherError,
];

/** A name's item in the request ledger, as the watcher leaves it. */
interface LedgerItem {
  state?: string;
  reason?: string;
  published?: boolean;
}

/** When each execution starts on the fake clock; the creator hands images over at this time. */
const START = Date.parse('2025-06-05T12:00:00.000Z');
const MINUTE = 60_000;
/** The deadline the creator puts on images by default (the `waitDeadlineMinutes` setting). */
const DEFAULT_DEADLINE_MINUTES = parseSettings({}).waitDeadlineMinutes;
/** Fake timers fired before a run counts as looping forever: far more than any path needs. */
const MAX_TIMERS = 5_000;

const at = (minutes: number) => new Date(START + minutes * MINUTE).toISOString();

function image(index: number, deadlineMinutes = DEFAULT_DEADLINE_MINUTES): WatcherImage {
  return {
    requestId: 'release-42',
    instanceName: `service-${index}`,
    instanceId: `i-0000000000000000${index}`,
    imageId: `ami-0000000000000000${index}`,
    imageName: `service-${index}-Deploy-2025-06-05_12_00`,
    deadlineAt: at(deadlineMinutes),
  };
}

function describedImage(imageId: string, answer: Exclude<Answer, 'missing' | 'throttled'>): Json {
  const described: Record<string, Json> = {
    ImageId: imageId,
    State: answer.state,
    BlockDeviceMappings: [
      { DeviceName: '/dev/xvda', Ebs: { SnapshotId: `snap-${imageId.slice(4)}`, VolumeSize: 8 } },
      { DeviceName: '/dev/sdb', VirtualName: 'ephemeral0' },
      { DeviceName: '/dev/sdc', Ebs: { SnapshotId: `snap-1${imageId.slice(5)}`, VolumeSize: 20 } },
    ],
  };
  if (answer.reason) described.StateReason = answer.reason;
  return described;
}

/**
 * Runs the synthesized watcher definition, unchanged, to its end with its Task resources answered
 * locally: DescribeImages from a script per image (the last answer repeats), PutEvents captured.
 * Time is a fake clock that starts at START and moves only when a timer fires: each Wait keeps its
 * synthesized poll interval and advances the clock by exactly that, so `$$.State.EnteredTime`,
 * and with it every deadline decision, is deterministic. Retry pauses are 0 ms.
 */
async function runWatcher(
  scripts: Record<string, Answer[]>,
  options: {
    settings?: Record<string, unknown>;
    /** Minutes from START to each image's `deadlineAt`. */
    deadlineMinutes?: number;
    failPublishing?: boolean;
    /** EventBridge refuses the events about one image: all of them, or only these detail-types. */
    failPublishingFor?: { imageId: string; detailTypes?: readonly string[] };
    /** Minutes from START at which EC2 reports an image's state change (its event wakes the check). */
    stateChanges?: Record<string, number[]>;
    /** DynamoDB refuses to record waiting checks. */
    failWaitingChecks?: boolean;
    /** DynamoDB refuses to delete them. */
    failForgetting?: boolean;
    /** Ledger items by instance name before the run (e.g. a name whose terminal event is out). */
    ledger?: Record<string, LedgerItem>;
    /** SSM refuses to set the latest-AMI parameter. */
    failSetLatest?: boolean;
  } = {},
) {
  const { template } = synthesize(options.settings);
  const definition = watcherDefinition(templateJson(template));
  const published: Published[] = [];
  const checks: Record<string, number> = {};
  let publishAttempts = 0;
  /** PutEvents calls per image, by detail-type, failed ones included. */
  const attemptsFor: Record<string, string[]> = {};
  let tokensIssued = 0;
  const waiting = new Map<string, { token: string; wake: (output: Json) => void }>();
  const wakeUps: string[] = [];
  const forgotten: string[] = [];
  const ledger = new Map<string, LedgerItem>(Object.entries(options.ledger ?? {}));
  /** PutParameter inputs, as SSM received them. */
  const parameters: unknown[] = [];
  const setLatest: LocalHandler = async (raw) => {
    if (options.failSetLatest) {
      throw Object.assign(new Error('Parameter name: can\'t be prefixed with "aws"'), {
        name: 'Ssm.ValidationException',
      });
    }
    parameters.push(raw);
    return { Version: parameters.length, Tier: 'Standard' };
  };

  // As the wake-up state machine does: return the token of the check waiting for the image, if any.
  const reportStateChange = (imageId: string) => {
    const check = waiting.get(imageId);
    if (!check) return;
    waiting.delete(imageId);
    wakeUps.push(imageId);
    check.wake({});
  };
  const waitForImage: LocalHandler = (raw) => {
    const { Item } = putItemInput.parse(raw);
    if (options.failWaitingChecks) {
      throw Object.assign(new Error('Internal server error'), {
        name: 'DynamoDb.InternalServerErrorException',
      });
    }
    expect(Item.taskToken.S).toBe(`token-${tokensIssued}`);
    // Never answered unless woken: the Task's own timeout ends the wait, as on AWS.
    return new Promise<Json>((wake) => {
      waiting.set(Item.imageId.S, { token: Item.taskToken.S, wake });
    });
  };
  const forgetImage: LocalHandler = async (raw) => {
    const { Key } = deleteItemInput.parse(raw);
    if (options.failForgetting) {
      throw Object.assign(new Error('Throughput exceeds the current capacity'), {
        name: 'DynamoDb.ProvisionedThroughputExceededException',
      });
    }
    forgotten.push(Key.imageId.S);
    waiting.delete(Key.imageId.S);
    return {};
  };

  // DynamoDB's conditional UpdateItem, for the two conditions the watcher writes with: a terminal
  // state only while none is published, and `published` only once a terminal state exists.
  const conditionFailed = () =>
    Object.assign(new Error('The conditional request failed'), {
      name: 'DynamoDB.ConditionalCheckFailedException',
    });
  const recordOutcome: LocalHandler = async (raw) => {
    const { Key, ExpressionAttributeValues: values } = updateItemInput.parse(raw);
    const name = Key.instanceName.S;
    if (ledger.get(name)?.published === true) throw conditionFailed();
    const text = (key: string) => {
      const value = values[key];
      return value && 'S' in value ? value.S : undefined;
    };
    ledger.set(name, { state: text(':state'), reason: text(':reason'), published: false });
    return {};
  };
  const recordPublished: LocalHandler = async (raw) => {
    const name = updateItemInput.parse(raw).Key.instanceName.S;
    const item = ledger.get(name);
    if (item?.published === undefined) throw conditionFailed();
    ledger.set(name, { ...item, published: true });
    return {};
  };

  const describeImages: LocalHandler = async (raw) => {
    const [filter] = describeImagesInput.parse(raw).Filters;
    expect(filter?.Name).toBe('image-id');
    const imageId = filter?.Values[0] ?? '';
    const script = scripts[imageId] ?? [];
    const answer = script.length > 1 ? script.shift() : script[0];
    checks[imageId] = (checks[imageId] ?? 0) + 1;
    if (answer === undefined) throw new Error(`no script for ${imageId}`);
    if (answer === 'throttled') {
      throw Object.assign(new Error('Request limit exceeded.'), { name: 'Ec2.Ec2Exception' });
    }
    return { Images: answer === 'missing' ? [] : [describedImage(imageId, answer)] };
  };
  const putEvents: LocalHandler = async (raw) => {
    const input = putEventsInput.parse(raw);
    publishAttempts += 1;
    const refused = input.Entries.some((entry) => {
      const { imageId } = publishedImage.parse(entry.Detail).data;
      attemptsFor[imageId] = [...(attemptsFor[imageId] ?? []), entry.DetailType];
      const only = options.failPublishingFor;
      return (
        only !== undefined &&
        only.imageId === imageId &&
        (only.detailTypes === undefined || only.detailTypes.includes(entry.DetailType))
      );
    });
    if (options.failPublishing || refused) {
      throw Object.assign(new Error('1 entry failed'), { name: 'EventBridge.FailedEntry' });
    }
    for (const entry of input.Entries) {
      published.push({
        detailType: entry.DetailType,
        source: entry.Source,
        eventBusName: entry.EventBusName,
        detail: entry.Detail,
      });
    }
    return {
      Entries: input.Entries.map((_, i) => ({ EventId: `event-${i}` })),
      FailedEntryCount: 0,
    };
  };

  const stateMachine = stateMachineOf(definition);
  const input: WatcherInput = {
    requestId: 'release-42',
    images: Object.keys(scripts).map((imageId) => {
      const index = Number(imageId.slice(-1));
      return image(index, options.deadlineMinutes);
    }),
  };
  // Only what the engine's Waits use, and Date for the context getter below.
  vi.useFakeTimers({ now: START, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  const execution = stateMachine.run(input, {
    overrides: {
      taskResourceLocalHandlers: {
        [WATCHER_STATES.wait]: waitForImage,
        [WATCHER_STATES.forget]: forgetImage,
        [WATCHER_STATES.describe]: describeImages,
        ...Object.fromEntries(PUBLISH_STATES.map((state) => [state, putEvents])),
        ...Object.fromEntries(RECORD_STATES.map((state) => [state, recordOutcome])),
        [WATCHER_STATES.recordPublished]: recordPublished,
        [WATCHER_STATES.setLatestParameter]: setLatest,
      },
      retryIntervalOverrides: Object.fromEntries(
        [
          WATCHER_STATES.describe,
          WATCHER_STATES.forget,
          WATCHER_STATES.recordPublished,
          WATCHER_STATES.setLatestParameter,
          ...PUBLISH_STATES,
          ...RECORD_STATES,
        ].map((state) => [state, 0]),
      ),
    },
    // AWS gives each state its entry time. The engine reads it when a state's fields are
    // evaluated, which is at entry here, because no time passes except in Waits.
    context: {
      State: {
        get EnteredTime() {
          return new Date().toISOString();
        },
      },
      // A new token each time a Task state reads it, as each waiting check gets its own.
      Task: {
        get Token() {
          tokensIssued += 1;
          return `token-${tokensIssued}`;
        },
      },
    },
  });
  for (const [imageId, minutes] of Object.entries(options.stateChanges ?? {})) {
    for (const minute of minutes) setTimeout(() => reportStateChange(imageId), minute * MINUTE);
  }
  try {
    await untilSettled(execution.result);
  } finally {
    vi.useRealTimers();
  }
  return {
    result: execution.result,
    published,
    checks,
    wakeUps,
    forgotten,
    ledger,
    parameters,
    publishAttempts: () => publishAttempts,
    attemptsFor: (imageId: string) => attemptsFor[imageId] ?? [],
    stateEntries: () => stateEntries(execution.eventLogs),
  };
}

/** Fires the fake timers one by one until the execution ends; a run that never ends fails. */
async function untilSettled(result: Promise<unknown>): Promise<void> {
  let settled = false;
  result.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let fired = 0; !settled; fired += 1) {
    if (fired >= MAX_TIMERS) {
      throw new Error(`the execution still ran after ${MAX_TIMERS} timers (${new Date()})`);
    }
    await vi.advanceTimersToNextTimerAsync();
  }
}

/**
 * The states entered inside the Map's items, in order: one state transition each, as Step
 * Functions bills them. The log ends when the execution does.
 */
async function stateEntries(
  eventLogs: AsyncIterable<{ type: string; index?: number; state?: { name: string } }>,
): Promise<string[]> {
  const entered: string[] = [];
  for await (const event of eventLogs) {
    if (event.type === 'StateEntered' && event.index !== undefined && event.state) {
      entered.push(event.state.name);
    }
  }
  return entered;
}

interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly ItemProcessor?: { States: Record<string, AslState> };
  readonly Catch?: readonly { ErrorEquals: readonly string[] }[];
}

/** Every state of a definition with its name, those inside a Map's item processor included. */
function allStates(definition: { States: Record<string, AslState> }): [string, AslState][] {
  return Object.entries(definition.States).flatMap(([name, state]): [string, AslState][] => [
    [name, state],
    ...(state.ItemProcessor ? allStates(state.ItemProcessor) : []),
  ]);
}

/** The events published for one image, each parsed with its contract. */
function eventsFor(published: readonly Published[], imageId: string) {
  return published
    .map((event) => {
      const contract = CONTRACTS[event.detailType];
      if (contract === undefined) throw new Error(`unexpected detail-type ${event.detailType}`);
      return {
        ...event,
        parsed: parseDetail(contract, event.detail) as { data: { imageId: string } },
      };
    })
    .filter((event) => event.parsed.data.imageId === imageId);
}

const IMAGE_1 = image(1).imageId;
const IMAGE_2 = image(2).imageId;
const IMAGE_3 = image(3).imageId;
const IMAGE_4 = image(4).imageId;
const pending = { state: 'pending' };

describe('watcher state machine definition', () => {
  it('should be valid Amazon States Language', () => {
    const { template } = synthesize();
    const result = aslValidator(structuredClone(watcherDefinition(templateJson(template))));
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('should name every Wait and Task state of the definition in the template metadata', () => {
    const { template } = synthesize();
    const json = templateJson(template);
    const [[, stateMachine] = []] = resourcesWithMetadata(
      json,
      'AWS::StepFunctions::StateMachine',
      TEMPLATE_METADATA.service,
    );
    const states = allStates(watcherDefinition(json));
    const named = (type: string) =>
      states.filter(([, state]) => state.Type === type).map(([name]) => name);
    const byResource: Record<string, string[]> = {};
    for (const [name, state] of states) {
      if (state.Type !== 'Task') continue;
      const action = String(state.Resource).replace(/^arn:aws:states:::(aws-sdk:)?/, '');
      byResource[action] = [...(byResource[action] ?? []), name];
    }

    // Order carries no meaning in the metadata.
    const sorted = (lists: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(lists).map(([key, names]) => [key, [...(names as string[])].sort()]),
      );
    expect(named('Wait')).toEqual([WATCHER_STATES.waitUnwoken]);
    expect(stateMachine?.Metadata?.[TEMPLATE_METADATA.waitStates]).toEqual(named('Wait'));
    expect(
      sorted(stateMachine?.Metadata?.[TEMPLATE_METADATA.taskStates] as Record<string, unknown>),
    ).toEqual(sorted(byResource));
  });

  it('should call EC2, DynamoDB and EventBridge through Step Functions integrations, never a function', () => {
    const { template } = synthesize();
    const resources = JSON.stringify(watcherDefinition(templateJson(template))).match(
      /"Resource":"[^"]+"/g,
    );
    expect(new Set(resources)).toEqual(
      new Set([
        '"Resource":"arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken"',
        '"Resource":"arn:aws:states:::aws-sdk:ec2:describeImages"',
        '"Resource":"arn:aws:states:::events:putEvents"',
        '"Resource":"arn:aws:states:::aws-sdk:dynamodb:deleteItem"',
        '"Resource":"arn:aws:states:::dynamodb:updateItem"',
        '"Resource":"arn:aws:states:::aws-sdk:ssm:putParameter"',
      ]),
    );
  });

  it('should let no failed child end the Map, and catch every error a child can catch', () => {
    const { template } = synthesize();
    const definition = watcherDefinition(templateJson(template));
    const map = definition.States[WATCHER_STATES.map] as AslState & Record<string, unknown>;
    expect(map).toMatchObject({ ToleratedFailurePercentage: 100, Label: WATCHER_MAP_LABEL });

    // Every Task but the last resort catches States.ALL; Pass, Choice, Wait and Succeed states
    // raise nothing a Catch could take (States.Runtime is never caught).
    const uncaught = allStates(map.ItemProcessor ?? { States: {} })
      .filter(([, state]) => state.Type === 'Task')
      .filter(([, state]) => !state.Catch?.some((c) => c.ErrorEquals.includes('States.ALL')))
      .map(([name]) => name);
    expect(uncaught.sort()).toEqual(
      [WATCHER_STATES.recordWatcherError, WATCHER_STATES.publishWatcherError].sort(),
    );
  });

  it('should wait for a wake-up at most one poll interval', () => {
    const { template } = synthesize({ pollIntervalSeconds: 45 });
    const states = Object.fromEntries(allStates(watcherDefinition(templateJson(template))));
    expect(states[WATCHER_STATES.wait]).toMatchObject({ TimeoutSeconds: 45 });
    expect(states[WATCHER_STATES.waitUnwoken]).toMatchObject({ Seconds: 45 });
  });
});

describe('watcher executed with aws-local-stepfunctions', () => {
  it('should publish one AmiAvailable, with the snapshots, when the AMI becomes available after several checks', async () => {
    const run = await runWatcher({
      [IMAGE_1]: [pending, pending, pending, { state: 'available' }],
    });
    await run.result;

    expect(run.checks[IMAGE_1]).toBe(4);
    const events = eventsFor(run.published, IMAGE_1);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event?.detailType).toBe('AmiAvailable');
    expect(event?.source).toBe(SOURCES.watcher);
    expect(event?.eventBusName).toMatch(/^arn:aws:events:.+:event-bus\/EventsBus/);
    const { deadlineAt: _deadlineAt, ...described } = image(1);
    expect(event?.parsed).toMatchObject({
      // The fourth check, after four 60-second Waits.
      metadata: { schemaVersion: 1, requestId: 'release-42', occurredAt: at(4) },
      data: {
        ...described,
        snapshotIds: ['snap-00000000000000001', 'snap-10000000000000001'],
        availableAt: at(4),
      },
    });
    expect(event?.parsed.data).not.toHaveProperty('deadlineAt');
  });

  it('should spend three state transitions per check, like the seed, and four to finish', async () => {
    const run = await runWatcher({
      [IMAGE_1]: [pending, pending, pending, { state: 'available' }],
    });
    await run.result;

    // The seed's loop: Wait → Task → Choice per check. To finish, the seed had two (its item's
    // Success and the execution's AllDone); here the outcome is recorded in the ledger, published,
    // marked published, and the waiting check forgotten.
    const check = [WATCHER_STATES.wait, WATCHER_STATES.describe, WATCHER_STATES.imageState];
    expect(await run.stateEntries()).toEqual([
      ...check,
      ...check,
      ...check,
      ...check,
      WATCHER_STATES.recordAvailable,
      WATCHER_STATES.setLatestParameter,
      WATCHER_STATES.publishAvailable,
      WATCHER_STATES.recordPublished,
      WATCHER_STATES.forget,
    ]);
    expect(run.forgotten).toEqual([IMAGE_1]);
  });

  it('should publish AmiFailed image-failed with EC2 state reason when the AMI fails', async () => {
    const run = await runWatcher({
      [IMAGE_1]: [
        pending,
        { state: 'failed', reason: { Code: 'Server.InternalError', Message: 'Internal error' } },
      ],
    });
    await run.result;

    const events = eventsFor(run.published, IMAGE_1);
    expect(events.map((event) => event.detailType)).toEqual(['AmiFailed']);
    expect(events[0]?.parsed.data).toMatchObject({
      reason: 'image-failed',
      message: 'Server.InternalError: Internal error',
      imageState: 'failed',
      instanceName: 'service-1',
      failedAt: at(2),
    });
  });

  it.each(['error', 'invalid', 'deregistered'])(
    'should publish AmiFailed image-failed when the AMI enters %s without a state reason',
    async (state) => {
      const run = await runWatcher({ [IMAGE_1]: [{ state }] });
      await run.result;

      const events = eventsFor(run.published, IMAGE_1);
      expect(events).toHaveLength(1);
      expect(events[0]?.parsed.data).toMatchObject({
        reason: 'image-failed',
        message: `The AMI entered the ${state} state.`,
        imageState: state,
      });
    },
  );

  it('should publish AmiFailed image-missing when the AMI vanishes while pending', async () => {
    const run = await runWatcher({ [IMAGE_1]: [pending, pending, 'missing'] });
    await run.result;

    const events = eventsFor(run.published, IMAGE_1);
    expect(events.map((event) => event.detailType)).toEqual(['AmiFailed']);
    expect(events[0]?.parsed.data).toMatchObject({ reason: 'image-missing' });
    expect(events[0]?.parsed.data).not.toHaveProperty('imageState');
  });

  it('should publish AmiFailed timed-out at the first check at or after deadlineAt', async () => {
    const run = await runWatcher({ [IMAGE_1]: [pending] }, { deadlineMinutes: 5 });
    await run.result;

    expect(run.checks[IMAGE_1]).toBe(5);
    const events = eventsFor(run.published, IMAGE_1);
    expect(events).toHaveLength(1);
    expect(events[0]?.parsed.data).toMatchObject({
      reason: 'timed-out',
      imageState: 'pending',
      message: `The AMI was not available by its deadline, ${at(5)}.`,
      failedAt: at(5),
    });
  });

  it('should compare the deadline with the time of each check, not count checks', async () => {
    // Checks at 2, 4 and 6 minutes: the third is the first one at or after the deadline.
    const run = await runWatcher(
      { [IMAGE_1]: [pending] },
      { settings: { pollIntervalSeconds: 120 }, deadlineMinutes: 5 },
    );
    await run.result;

    expect(run.checks[IMAGE_1]).toBe(3);
    expect(eventsFor(run.published, IMAGE_1).map((event) => event.parsed.data)).toMatchObject([
      { reason: 'timed-out', failedAt: at(6) },
    ]);
  });

  it('should report an AMI that became available at the deadline check as available', async () => {
    const run = await runWatcher(
      { [IMAGE_1]: [pending, pending, { state: 'available' }] },
      { deadlineMinutes: 3 },
    );
    await run.result;

    expect(eventsFor(run.published, IMAGE_1).map((event) => event.detailType)).toEqual([
      'AmiAvailable',
    ]);
  });

  it('should end at the default 6-hour deadline (360 checks), never looping forever', async () => {
    const run = await runWatcher({ [IMAGE_1]: [pending] });
    await run.result;

    expect(run.checks[IMAGE_1]).toBe(360);
    expect(eventsFor(run.published, IMAGE_1).map((event) => event.parsed.data)).toMatchObject([
      { reason: 'timed-out', failedAt: at(360) },
    ]);
  });

  it('should retry throttled checks and still publish AmiAvailable', async () => {
    const run = await runWatcher({
      [IMAGE_1]: ['throttled', 'throttled', 'throttled', { state: 'available' }],
    });
    await run.result;

    expect(run.checks[IMAGE_1]).toBe(4);
    expect(eventsFor(run.published, IMAGE_1).map((event) => event.detailType)).toEqual([
      'AmiAvailable',
    ]);
  });

  it('should end with AmiFailed timed-out when EC2 keeps failing, instead of failing silently', async () => {
    const run = await runWatcher({ [IMAGE_1]: ['throttled'] }, { deadlineMinutes: 2 });
    await run.result;

    // Two checks, each tried once and retried five times.
    expect(run.checks[IMAGE_1]).toBe(12);
    expect(eventsFor(run.published, IMAGE_1).map((event) => event.parsed.data)).toMatchObject([
      { reason: 'timed-out', imageState: 'unknown', failedAt: at(2) },
    ]);
  });

  it('should reach the deadline when EC2 stops answering after the AMI was seen pending', async () => {
    const run = await runWatcher({ [IMAGE_1]: [pending, 'throttled'] }, { deadlineMinutes: 3 });
    await run.result;

    // An unanswered check costs one more transition (NoAnswer), which records the time of the
    // check: the deadline is not compared with the time of the last answer, one minute in.
    const check = [WATCHER_STATES.wait, WATCHER_STATES.describe, WATCHER_STATES.imageState];
    const unanswered = [
      WATCHER_STATES.wait,
      WATCHER_STATES.describe,
      WATCHER_STATES.noAnswer,
      WATCHER_STATES.imageState,
    ];
    expect(await run.stateEntries()).toEqual([
      ...check,
      ...unanswered,
      ...unanswered,
      WATCHER_STATES.recordTimedOut,
      WATCHER_STATES.publishTimedOut,
      WATCHER_STATES.recordPublished,
      WATCHER_STATES.forget,
    ]);
    expect(run.checks[IMAGE_1]).toBe(1 + 6 + 6);
    expect(eventsFor(run.published, IMAGE_1).map((event) => event.parsed.data)).toMatchObject([
      { reason: 'timed-out', imageState: 'pending', failedAt: at(3) },
    ]);
  });

  it('should check as soon as EC2 reports the AMI available instead of at the next poll', async () => {
    const run = await runWatcher(
      { [IMAGE_1]: [pending, pending, { state: 'available' }] },
      { stateChanges: { [IMAGE_1]: [2.25] } },
    );
    await run.result;

    expect(run.wakeUps).toEqual([IMAGE_1]);
    expect(run.checks[IMAGE_1]).toBe(3);
    // Checks at 1 and 2 minutes by timeout, the third on the wake-up 15 s later (not at 3 min).
    expect(eventsFor(run.published, IMAGE_1).map((event) => event.parsed.data)).toMatchObject([
      { availableAt: at(2.25) },
    ]);
    const check = [WATCHER_STATES.wait, WATCHER_STATES.describe, WATCHER_STATES.imageState];
    expect(await run.stateEntries()).toEqual([
      ...check,
      ...check,
      ...check,
      WATCHER_STATES.recordAvailable,
      WATCHER_STATES.setLatestParameter,
      WATCHER_STATES.publishAvailable,
      WATCHER_STATES.recordPublished,
      WATCHER_STATES.forget,
    ]);
  });

  it('should go on polling when a wake-up finds the AMI still pending', async () => {
    // EC2's answers can lag its event: the woken check sees pending, the next poll finds it.
    const run = await runWatcher(
      { [IMAGE_1]: [pending, pending, { state: 'available' }] },
      { stateChanges: { [IMAGE_1]: [0.5] } },
    );
    await run.result;

    expect(run.checks[IMAGE_1]).toBe(3);
    expect(eventsFor(run.published, IMAGE_1).map((event) => event.parsed.data)).toMatchObject([
      { availableAt: at(2.5) },
    ]);
  });

  it('should wake only the check of the AMI that changed', async () => {
    const run = await runWatcher(
      {
        [IMAGE_1]: [pending, { state: 'available' }],
        [IMAGE_2]: [pending, { state: 'available' }],
      },
      { stateChanges: { [IMAGE_2]: [1.5] } },
    );
    await run.result;

    expect(eventsFor(run.published, IMAGE_1).map((event) => event.parsed.data)).toMatchObject([
      { availableAt: at(2) },
    ]);
    expect(eventsFor(run.published, IMAGE_2).map((event) => event.parsed.data)).toMatchObject([
      { availableAt: at(1.5) },
    ]);
    expect(run.forgotten.sort()).toEqual([IMAGE_1, IMAGE_2]);
  });

  it('should poll every interval without wake-ups when DynamoDB refuses to record the wait', async () => {
    const run = await runWatcher(
      { [IMAGE_1]: [pending, { state: 'available' }] },
      { failWaitingChecks: true, stateChanges: { [IMAGE_1]: [1.5] } },
    );
    await run.result;

    expect(run.wakeUps).toEqual([]);
    const unwoken = [
      WATCHER_STATES.wait,
      WATCHER_STATES.waitUnwoken,
      WATCHER_STATES.describe,
      WATCHER_STATES.imageState,
    ];
    expect(await run.stateEntries()).toEqual([
      ...unwoken,
      ...unwoken,
      WATCHER_STATES.recordAvailable,
      WATCHER_STATES.setLatestParameter,
      WATCHER_STATES.publishAvailable,
      WATCHER_STATES.recordPublished,
      WATCHER_STATES.forget,
    ]);
    expect(eventsFor(run.published, IMAGE_1).map((event) => event.parsed.data)).toMatchObject([
      { availableAt: at(2) },
    ]);
  });

  it('should still end normally, after its retries, when the waiting check cannot be deleted', async () => {
    const run = await runWatcher(
      { [IMAGE_1]: [pending, { state: 'available' }] },
      { failForgetting: true },
    );
    await run.result;

    expect(eventsFor(run.published, IMAGE_1).map((event) => event.detailType)).toEqual([
      'AmiAvailable',
    ]);
    const entries = await run.stateEntries();
    // ForgetImage is entered once; its three retries are not new states.
    expect(entries.slice(-4)).toEqual([
      WATCHER_STATES.publishAvailable,
      WATCHER_STATES.recordPublished,
      WATCHER_STATES.forget,
      WATCHER_STATES.done,
    ]);
  });

  it('should publish exactly one terminal event per AMI of a request with mixed outcomes', async () => {
    const run = await runWatcher(
      {
        [IMAGE_1]: [pending, { state: 'available' }],
        [IMAGE_2]: [
          pending,
          pending,
          { state: 'failed', reason: { Code: 'Client.X', Message: 'no' } },
        ],
        [IMAGE_3]: [pending, 'missing'],
        [IMAGE_4]: [pending],
      },
      { deadlineMinutes: 10 },
    );
    await run.result;

    expect(run.published).toHaveLength(4);
    const outcome = (imageId: string) =>
      eventsFor(run.published, imageId).map((event) => {
        const data = event.parsed.data as { reason?: string };
        return `${event.detailType}${data.reason ? `:${data.reason}` : ''}`;
      });
    expect(outcome(IMAGE_1)).toEqual(['AmiAvailable']);
    expect(outcome(IMAGE_2)).toEqual(['AmiFailed:image-failed']);
    expect(outcome(IMAGE_3)).toEqual(['AmiFailed:image-missing']);
    expect(outcome(IMAGE_4)).toEqual(['AmiFailed:timed-out']);
    expect(run.checks).toEqual({ [IMAGE_1]: 2, [IMAGE_2]: 3, [IMAGE_3]: 2, [IMAGE_4]: 10 });
  });

  it('should end an AMI whose outcome cannot be published with AmiFailed watcher-error, and its siblings normally', async () => {
    // IMAGE_2's outcome is refused long before its siblings are available: a child failure that
    // ended the Map would leave them without a terminal event.
    const run = await runWatcher(
      {
        [IMAGE_1]: [pending, pending, pending, { state: 'available' }],
        [IMAGE_2]: [{ state: 'available' }],
        [IMAGE_3]: [pending, pending, { state: 'available' }],
      },
      { failPublishingFor: { imageId: IMAGE_2, detailTypes: ['AmiAvailable'] } },
    );
    await run.result;

    const outcome = (imageId: string) =>
      eventsFor(run.published, imageId).map((event) => {
        const data = event.parsed.data as { reason?: string };
        return `${event.detailType}${data.reason ? `:${data.reason}` : ''}`;
      });
    expect(outcome(IMAGE_1)).toEqual(['AmiAvailable']);
    expect(outcome(IMAGE_3)).toEqual(['AmiAvailable']);
    expect(outcome(IMAGE_2)).toEqual(['AmiFailed:watcher-error']);
    const [failed] = eventsFor(run.published, IMAGE_2);
    const { deadlineAt: _deadlineAt, ...described } = image(2);
    expect(failed?.parsed).toMatchObject({
      metadata: { schemaVersion: 1, requestId: 'release-42', occurredAt: at(1) },
      data: {
        ...described,
        message: expect.stringContaining('EventBridge.FailedEntry'),
        failedAt: at(1),
      },
    });
    // The refused AmiAvailable was tried seven times (six retries), the AmiFailed once.
    expect(run.attemptsFor(IMAGE_2)).toEqual([...Array(7).fill('AmiAvailable'), 'AmiFailed']);
    expect(run.forgotten.sort()).toEqual([IMAGE_1, IMAGE_2, IMAGE_3]);
  });

  it('should reach the watcher-error outcome only through a failure, then forget the image', async () => {
    const run = await runWatcher(
      { [IMAGE_1]: [{ state: 'available' }] },
      { failPublishingFor: { imageId: IMAGE_1, detailTypes: ['AmiAvailable'] } },
    );
    await run.result;

    expect(await run.stateEntries()).toEqual([
      WATCHER_STATES.wait,
      WATCHER_STATES.describe,
      WATCHER_STATES.imageState,
      WATCHER_STATES.recordAvailable,
      WATCHER_STATES.setLatestParameter,
      WATCHER_STATES.publishAvailable,
      WATCHER_STATES.recordWatcherError,
      WATCHER_STATES.publishWatcherError,
      WATCHER_STATES.recordPublished,
      WATCHER_STATES.forget,
    ]);
  });

  it('should retry a failed PutEvents, then the watcher-error one, then fail the child (local engine: the execution)', async () => {
    // On AWS the distributed Map tolerates the failed child (ToleratedFailurePercentage 100): its
    // siblings go on and the WatcherFailed alarm counts the child's failure. aws-local-stepfunctions
    // implements no tolerance, so here the child's failure fails the execution.
    const run = await runWatcher({ [IMAGE_1]: [{ state: 'available' }] }, { failPublishing: true });

    await expect(run.result).rejects.toThrow(/EventBridge\.FailedEntry|1 entry failed/);
    expect(run.attemptsFor(IMAGE_1)).toEqual([
      ...Array(7).fill('AmiAvailable'),
      ...Array(7).fill('AmiFailed'),
    ]);
  });
  it('should record each outcome in the ledger, then mark it published', async () => {
    const run = await runWatcher({
      [IMAGE_1]: [{ state: 'available' }],
      [IMAGE_2]: ['missing'],
    });
    await run.result;

    expect(run.ledger.get('service-1')).toEqual({ state: 'available', published: true });
    expect(run.ledger.get('service-2')).toEqual({
      state: 'failed',
      reason: 'image-missing',
      published: true,
    });
  });

  it('should announce nothing for a name whose terminal event is already published', async () => {
    // E.g. the creator ended the name, or another watch of the same name ended it first.
    const run = await runWatcher(
      { [IMAGE_1]: [{ state: 'available' }], [IMAGE_2]: [{ state: 'available' }] },
      { ledger: { 'service-1': { state: 'failed', reason: 'create-failed', published: true } } },
    );
    await run.result;

    expect(eventsFor(run.published, IMAGE_1)).toEqual([]);
    expect(eventsFor(run.published, IMAGE_2).map((event) => event.detailType)).toEqual([
      'AmiAvailable',
    ]);
    expect(run.ledger.get('service-1')).toEqual({
      state: 'failed',
      reason: 'create-failed',
      published: true,
    });
    expect(run.forgotten.sort()).toEqual([IMAGE_1, IMAGE_2]);
  });

  it('should record watcher-error over an outcome that was recorded but never published', async () => {
    const run = await runWatcher(
      { [IMAGE_1]: [{ state: 'available' }] },
      { failPublishingFor: { imageId: IMAGE_1, detailTypes: ['AmiAvailable'] } },
    );
    await run.result;

    expect(run.ledger.get('service-1')).toEqual({
      state: 'failed',
      reason: 'watcher-error',
      published: true,
    });
  });
  it("should set the name's latest-AMI parameter before announcing the AMI", async () => {
    const run = await runWatcher({ [IMAGE_1]: [pending, { state: 'available' }] });
    await run.result;

    expect(run.parameters).toEqual([
      {
        Name: '/ami-lifecycle/service-1/latest',
        Value: IMAGE_1,
        Type: 'String',
        DataType: 'aws:ec2:image',
        Overwrite: true,
      },
    ]);
    const entries = await run.stateEntries();
    expect(entries.indexOf(WATCHER_STATES.setLatestParameter)).toBe(
      entries.indexOf(WATCHER_STATES.publishAvailable) - 1,
    );
  });

  it('should still announce the AMI when the parameter cannot be set', async () => {
    const run = await runWatcher({ [IMAGE_1]: [{ state: 'available' }] }, { failSetLatest: true });
    await run.result;

    expect(eventsFor(run.published, IMAGE_1).map((event) => event.detailType)).toEqual([
      'AmiAvailable',
    ]);
    expect(run.ledger.get('service-1')).toEqual({ state: 'available', published: true });
  });

  it('should write parameters under the configured prefix only', async () => {
    const run = await runWatcher(
      { [IMAGE_1]: [{ state: 'available' }] },
      { settings: { latestAmiParameterPrefix: '/deploys/amis' } },
    );
    await run.result;

    expect(run.parameters).toMatchObject([{ Name: '/deploys/amis/service-1/latest' }]);
  });
});
