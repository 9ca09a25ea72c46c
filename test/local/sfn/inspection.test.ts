import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListMapRunsCommand,
  ListStateMachinesCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { createStepFunctions, type TaskHandler } from '../../../infra/local/sfn/step-functions';
import { serveStepFunctions } from './sfn-endpoint';

const ACCOUNT = 'arn:aws:states:ap-northeast-2:111122223333';
const WATCHER = `${ACCOUNT}:stateMachine:watcher`;
const SIMPLE = `${ACCOUNT}:stateMachine:simple`;
const ROLE = 'arn:aws:iam::111122223333:role/watcher-role';
const DESCRIBE = 'arn:aws:states:::aws-sdk:ec2:describeImages';
const FUNCTION = 'arn:aws:lambda:ap-northeast-2:111122223333:function:janitor';

/** The watcher's shape: a distributed Map whose items each describe an image. */
const watcher = {
  StartAt: 'WatchImages',
  States: {
    WatchImages: {
      Type: 'Map',
      Label: 'WatchImages',
      ItemsPath: '$.imageIds',
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'DescribeImage',
        States: {
          DescribeImage: { Type: 'Task', Resource: DESCRIBE, Next: 'IsAvailable' },
          IsAvailable: {
            Type: 'Choice',
            Choices: [{ Variable: '$.State', StringEquals: 'available', Next: 'Done' }],
            Default: 'Broken',
          },
          Done: { Type: 'Succeed' },
          Broken: { Type: 'Fail', Error: 'ImageFailed', Cause: 'the image failed' },
        },
      },
      ToleratedFailurePercentage: 100,
      End: true,
    },
  },
};

const simple = {
  StartAt: 'Begin',
  States: {
    Begin: { Type: 'Pass', Result: { step: 1 }, Next: 'Purge' },
    Purge: { Type: 'Task', Resource: FUNCTION, End: true },
  },
};

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(handlers: Record<string, TaskHandler> = {}) {
  const stepFunctions = createStepFunctions({
    taskHandlers: {
      [DESCRIBE]: (input) => ({
        State: (input as string).endsWith('bad') ? 'failed' : 'available',
      }),
      [FUNCTION]: () => ({ purged: 0 }),
      ...handlers,
    },
  });
  stepFunctions.registerStateMachine({
    arn: WATCHER,
    name: 'watcher',
    definition: watcher as never,
    roleArn: ROLE,
    type: 'STANDARD',
  });
  stepFunctions.registerStateMachine({
    arn: SIMPLE,
    name: 'simple',
    definition: simple as never,
    type: 'EXPRESS',
  });
  const served = await serveStepFunctions(stepFunctions);
  cleanups.push(served.close);
  return { stepFunctions, client: served.client };
}

const types = (events: HistoryEvent[]) => events.map((event) => event.type);

/** Starts a watcher execution per list of images, named `<prefix>-<index>`; their ARNs. */
function startWatchers(
  client: Awaited<ReturnType<typeof start>>['client'],
  prefix: string,
  imageIdLists: string[][],
): Promise<string[]> {
  return Promise.all(
    imageIdLists.map(async (imageIds, index) => {
      const { executionArn } = await client.send(
        new StartExecutionCommand({
          stateMachineArn: WATCHER,
          name: `${prefix}-${index}`,
          input: JSON.stringify({ imageIds }),
        }),
      );
      return executionArn ?? '';
    }),
  );
}

describe('Step Functions inspection over the JSON protocol', () => {
  it('should list the registered state machines with their type and creation date', async () => {
    // Prepare
    const { client } = await start();

    // Act
    const { stateMachines = [] } = await client.send(new ListStateMachinesCommand({}));

    // Assess
    expect(
      stateMachines.map(({ name, stateMachineArn, type }) => ({ name, stateMachineArn, type })),
    ).toEqual([
      { name: 'simple', stateMachineArn: SIMPLE, type: 'EXPRESS' },
      { name: 'watcher', stateMachineArn: WATCHER, type: 'STANDARD' },
    ]);
    expect(stateMachines[0]?.creationDate).toBeInstanceOf(Date);
  });

  it('should page the state machines with maxResults and nextToken', async () => {
    const { client } = await start();

    const first = await client.send(new ListStateMachinesCommand({ maxResults: 1 }));
    const second = await client.send(
      new ListStateMachinesCommand({ maxResults: 1, nextToken: first.nextToken }),
    );

    expect(first.stateMachines?.map((machine) => machine.name)).toEqual(['simple']);
    expect(second.stateMachines?.map((machine) => machine.name)).toEqual(['watcher']);
    expect(second.nextToken).toBeUndefined();
  });

  it('should describe a state machine with its definition, role, type and status', async () => {
    const { client } = await start();

    const described = await client.send(
      new DescribeStateMachineCommand({ stateMachineArn: WATCHER }),
    );

    expect(JSON.parse(described.definition ?? '')).toEqual(watcher);
    expect(described).toMatchObject({
      stateMachineArn: WATCHER,
      name: 'watcher',
      roleArn: ROLE,
      type: 'STANDARD',
      status: 'ACTIVE',
    });
    expect(described.creationDate).toBeInstanceOf(Date);
  });

  it('should answer StateMachineDoesNotExist for an unknown state machine', async () => {
    const { client } = await start();

    const failure = await client
      .send(new DescribeStateMachineCommand({ stateMachineArn: `${ACCOUNT}:stateMachine:nope` }))
      .catch((error: Error) => error);

    expect(failure).toMatchObject({ name: 'StateMachineDoesNotExist' });
  });

  it('should give an execution history with ids, previous ids, timestamps and state events', async () => {
    // Prepare
    const { stepFunctions, client } = await start();
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: SIMPLE, name: 'run-1' }),
    );
    await stepFunctions.whenIdle();

    // Act
    const { events = [] } = await client.send(new GetExecutionHistoryCommand({ executionArn }));

    // Assess
    expect(types(events)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((event) => event.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(events.map((event) => event.previousEventId)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(events.every((event) => event.timestamp instanceof Date)).toBe(true);
    expect(events[1]?.stateEnteredEventDetails?.name).toBe('Begin');
    expect(events[4]?.lambdaFunctionScheduledEventDetails?.resource).toBe(FUNCTION);
    expect(JSON.parse(events[8]?.executionSucceededEventDetails?.output ?? '')).toEqual({
      purged: 0,
    });
  });

  it('should page the history in reverse order with maxResults and nextToken', async () => {
    const { stepFunctions, client } = await start();
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: SIMPLE, name: 'run-2' }),
    );
    await stepFunctions.whenIdle();

    const first = await client.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 5 }),
    );
    const second = await client.send(
      new GetExecutionHistoryCommand({
        executionArn,
        reverseOrder: true,
        maxResults: 5,
        nextToken: first.nextToken,
      }),
    );

    expect(first.events?.map((event) => event.id)).toEqual([9, 8, 7, 6, 5]);
    expect(second.events?.map((event) => event.id)).toEqual([4, 3, 2, 1]);
    expect(second.nextToken).toBeUndefined();
  });

  it('should record a failing Task as TaskFailed and the execution as ExecutionFailed', async () => {
    const { stepFunctions, client } = await start({
      [FUNCTION]: () => {
        throw Object.assign(new Error('the run lock is taken'), { name: 'PurgeRunBusyError' });
      },
    });
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: SIMPLE, name: 'run-3' }),
    );
    await stepFunctions.whenIdle();

    const { events = [] } = await client.send(new GetExecutionHistoryCommand({ executionArn }));

    expect(types(events).slice(-2)).toEqual(['LambdaFunctionFailed', 'ExecutionFailed']);
    expect(events.at(-1)?.executionFailedEventDetails).toMatchObject({
      error: 'PurgeRunBusyError',
      cause: 'the run lock is taken',
    });
  });

  it('should record a distributed Map as a Map Run whose items are child executions', async () => {
    // Prepare
    const { stepFunctions, client } = await start();
    const { executionArn } = await client.send(
      new StartExecutionCommand({
        stateMachineArn: WATCHER,
        name: 'request-1',
        input: JSON.stringify({ imageIds: ['ami-good', 'ami-also-good'] }),
      }),
    );
    await stepFunctions.whenIdle();

    // Act
    const { events = [] } = await client.send(new GetExecutionHistoryCommand({ executionArn }));
    const mapRunArn = events.find((event) => event.type === 'MapRunStarted')
      ?.mapRunStartedEventDetails?.mapRunArn;
    const { executions: children = [] } = await client.send(
      new ListExecutionsCommand({ mapRunArn }),
    );
    const { executions: parents = [] } = await client.send(
      new ListExecutionsCommand({ stateMachineArn: WATCHER }),
    );

    // Assess: the parent shows the Map Run, not the items' states
    expect(types(events)).toEqual([
      'ExecutionStarted',
      'MapStateEntered',
      'MapRunStarted',
      'MapRunSucceeded',
      'MapStateSucceeded',
      'MapStateExited',
      'ExecutionSucceeded',
    ]);
    expect(mapRunArn).toMatch(
      /^arn:aws:states:ap-northeast-2:111122223333:mapRun:watcher\/WatchImages:[\w-]+$/,
    );
    // Assess: each item is a child execution of the Map Run, with a history of its own
    expect(parents.map((execution) => execution.name)).toEqual(['request-1']);
    expect(children.map((child) => child.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    for (const child of children) {
      expect(child.executionArn).toMatch(
        /^arn:aws:states:ap-northeast-2:111122223333:execution:watcher\/WatchImages:[\w-]+$/,
      );
      expect(child.mapRunArn).toBe(mapRunArn);
    }
    const first = children.find((child) => child.status === 'SUCCEEDED');
    const described = await client.send(
      new DescribeExecutionCommand({ executionArn: first?.executionArn }),
    );
    expect(['ami-good', 'ami-also-good']).toContain(JSON.parse(described.input ?? ''));
    expect(described.mapRunArn).toBe(mapRunArn);
    const { events: childEvents = [] } = await client.send(
      new GetExecutionHistoryCommand({ executionArn: first?.executionArn }),
    );
    expect(types(childEvents)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'SucceedStateEntered',
      'ExecutionSucceeded',
    ]);
    expect(childEvents[2]?.taskScheduledEventDetails).toMatchObject({
      resourceType: 'aws-sdk:ec2',
      resource: 'describeImages',
      region: 'ap-northeast-2',
    });
  });

  it('should record a failed child execution and the Map Run failing with it', async () => {
    // Prepare: aws-local-stepfunctions tolerates no failed item, so one fails the Map Run.
    const { stepFunctions, client } = await start();
    const { executionArn } = await client.send(
      new StartExecutionCommand({
        stateMachineArn: WATCHER,
        name: 'request-2',
        input: JSON.stringify({ imageIds: ['ami-bad'] }),
      }),
    );
    await stepFunctions.whenIdle();

    // Act
    const { events = [] } = await client.send(new GetExecutionHistoryCommand({ executionArn }));
    const mapRunArn = events.find((event) => event.type === 'MapRunStarted')
      ?.mapRunStartedEventDetails?.mapRunArn;
    const { executions: children = [] } = await client.send(
      new ListExecutionsCommand({ mapRunArn }),
    );

    // Assess
    expect(types(events).slice(-3)).toEqual(['MapRunFailed', 'MapStateFailed', 'ExecutionFailed']);
    expect(children.map((child) => child.status)).toEqual(['FAILED']);
    const described = await client.send(
      new DescribeExecutionCommand({ executionArn: children[0]?.executionArn }),
    );
    expect(described).toMatchObject({ status: 'FAILED', error: 'ImageFailed' });
    const { events: childEvents = [] } = await client.send(
      new GetExecutionHistoryCommand({ executionArn: children[0]?.executionArn }),
    );
    expect(types(childEvents).slice(-2)).toEqual(['FailStateEntered', 'ExecutionFailed']);
  });

  it('should list an execution’s Map Runs, each with its child state machine and its dates', async () => {
    // Prepare: a Map Run that succeeds, one that fails, and an execution without a Map
    const { stepFunctions, client } = await start();
    const runs = await startWatchers(client, 'request-map', [['ami-good'], ['ami-bad']]);
    const { executionArn: simple } = await client.send(
      new StartExecutionCommand({ stateMachineArn: SIMPLE, input: '{}' }),
    );
    await stepFunctions.whenIdle();

    // Act
    const listed = await Promise.all(
      runs.map((executionArn) => client.send(new ListMapRunsCommand({ executionArn }))),
    );
    const none = await client.send(new ListMapRunsCommand({ executionArn: simple }));
    const unknown = await client
      .send(new ListMapRunsCommand({ executionArn: `${ACCOUNT}:execution:watcher:nope` }))
      .catch((error: Error) => error);

    // Assess: the Map Run the history names, as AWS lists it
    for (const [index, executionArn] of runs.entries()) {
      const { events = [] } = await client.send(new GetExecutionHistoryCommand({ executionArn }));
      const started = events.find((event) => event.type === 'MapRunStarted');
      const ended = events.find((event) => /^MapRun(Succeeded|Failed)$/.test(event.type ?? ''));
      expect(listed[index]?.mapRuns).toEqual([
        {
          executionArn,
          mapRunArn: started?.mapRunStartedEventDetails?.mapRunArn,
          stateMachineArn: `${ACCOUNT}:stateMachine:watcher/WatchImages`,
          startDate: started?.timestamp,
          stopDate: ended?.timestamp,
        },
      ]);
    }
    expect(none.mapRuns).toEqual([]);
    expect(unknown).toMatchObject({ name: 'ExecutionDoesNotExist' });
  });

  it('should describe a Map Run: its status, dates, settings and its items by outcome', async () => {
    // Prepare: a Map Run that succeeds and one that fails
    const { stepFunctions, client } = await start();
    const runs = await startWatchers(client, 'request-described', [
      ['ami-good', 'ami-also-good'],
      ['ami-bad'],
    ]);
    await stepFunctions.whenIdle();
    const listed = await Promise.all(
      runs.map((executionArn) => client.send(new ListMapRunsCommand({ executionArn }))),
    );
    const [succeeded, failed] = listed.map((page) => page.mapRuns?.[0]);

    // Act
    const described = await Promise.all(
      [succeeded, failed].map((run) =>
        client.send(new DescribeMapRunCommand({ mapRunArn: run?.mapRunArn })),
      ),
    );
    const unknown = await client
      .send(
        new DescribeMapRunCommand({
          mapRunArn: `${ACCOUNT}:mapRun:watcher/WatchImages:00000000-0000-0000-0000-000000000000`,
        }),
      )
      .catch((error: Error) => error);

    // Assess
    const counts = (outcome: Record<string, number>) => {
      const all = { pending: 0, running: 0, succeeded: 0, failed: 0, timedOut: 0, aborted: 0 };
      const total = Object.values(outcome).reduce((sum, count) => sum + count, 0);
      return { ...all, ...outcome, total, resultsWritten: 0 };
    };
    expect(described[0]).toMatchObject({
      mapRunArn: succeeded?.mapRunArn,
      executionArn: runs[0],
      status: 'SUCCEEDED',
      startDate: succeeded?.startDate,
      stopDate: succeeded?.stopDate,
      maxConcurrency: 0,
      toleratedFailurePercentage: 100,
      toleratedFailureCount: 0,
      itemCounts: counts({ succeeded: 2 }),
      executionCounts: counts({ succeeded: 2 }),
    });
    expect(described[1]).toMatchObject({
      executionArn: runs[1],
      status: 'FAILED',
      itemCounts: counts({ failed: 1 }),
    });
    expect(unknown).toMatchObject({ name: 'ResourceNotFound' });
  });

  it('should answer ExecutionDoesNotExist for the history of an unknown execution', async () => {
    const { client } = await start();

    const failure = await client
      .send(new GetExecutionHistoryCommand({ executionArn: `${ACCOUNT}:execution:simple:nope` }))
      .catch((error: Error) => error);

    expect(failure).toMatchObject({ name: 'ExecutionDoesNotExist' });
  });
});
