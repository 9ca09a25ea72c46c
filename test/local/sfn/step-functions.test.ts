import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventBus } from '../../../infra/local/events/bus';
import { putEventsTaskHandler } from '../../../infra/local/events/put-events-task';
import { StateMachineDefinitionError } from '../../../infra/local/sfn/definition';
import {
  createStepFunctions,
  type StepFunctionsOptions,
} from '../../../infra/local/sfn/step-functions';
import { temporaryFolder } from '../../tools';
import { serveStepFunctions } from './sfn-endpoint';

const ARN = 'arn:aws:states:ap-northeast-2:111122223333:stateMachine:watcher';
const DESCRIBE = 'arn:aws:states:::aws-sdk:ec2:describeImages';
const PUT_EVENTS = 'arn:aws:states:::events:putEvents';

/** The watcher's shape: Map over images → Wait → describe → Choice → publish or wait again. */
const watcher = {
  StartAt: 'EachImage',
  States: {
    EachImage: {
      Type: 'Map',
      ItemsPath: '$.imageIds',
      MaxConcurrency: 0,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'WaitForImage',
        States: {
          WaitForImage: { Type: 'Wait', Seconds: 60, Next: 'DescribeImage' },
          DescribeImage: {
            Type: 'Task',
            Resource: DESCRIBE,
            Parameters: { 'ImageIds.$': 'States.Array($)' },
            ResultSelector: { 'imageId.$': '$.Images[0].ImageId', 'state.$': '$.Images[0].State' },
            Next: 'IsAvailable',
          },
          IsAvailable: {
            Type: 'Choice',
            Choices: [
              { Variable: '$.state', StringEquals: 'available', Next: 'Publish' },
              { Variable: '$.state', StringEquals: 'failed', Next: 'Failed' },
            ],
            Default: 'WaitAgain',
          },
          WaitAgain: { Type: 'Pass', OutputPath: '$.imageId', Next: 'WaitForImage' },
          Publish: {
            Type: 'Task',
            Resource: PUT_EVENTS,
            Parameters: {
              Entries: [
                { Source: 'ami-lifecycle.watcher', DetailType: 'AmiAvailable', 'Detail.$': '$' },
              ],
            },
            ResultPath: null,
            End: true,
          },
          Failed: { Type: 'Fail', Error: 'ImageFailed', Cause: 'the image failed' },
        },
      },
      End: true,
    },
  },
};

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function fakeEc2(states: Record<string, string[]>) {
  const calls: unknown[] = [];
  return {
    calls,
    handler: async (input: unknown) => {
      calls.push(input);
      const [imageId] = (input as { ImageIds: string[] }).ImageIds;
      const state = states[imageId as string]?.shift() ?? 'available';
      return { Images: [{ ImageId: imageId, State: state }] };
    },
  };
}

async function start(options: Partial<StepFunctionsOptions> = {}, ec2 = fakeEc2({})) {
  const bus = createEventBus({ region: 'ap-northeast-2', account: '111122223333' });
  const stepFunctions = createStepFunctions({
    waitScale: 0.0005,
    taskHandlers: { [DESCRIBE]: ec2.handler, [PUT_EVENTS]: putEventsTaskHandler(bus) },
    ...options,
  });
  stepFunctions.registerStateMachine({ arn: ARN, name: 'watcher', definition: watcher });
  const served = await serveStepFunctions(stepFunctions);
  cleanups.push(async () => {
    await served.close();
    await bus.close();
  });
  return { bus, stepFunctions, client: served.client, ec2 };
}

describe('executions through @aws-sdk/client-sfn', () => {
  it('should run Map, scaled Wait, an aws-sdk Task, Choice and events:putEvents to SUCCEEDED', async () => {
    const ec2 = fakeEc2({ 'ami-1': ['pending', 'pending', 'available'], 'ami-2': ['available'] });
    const { bus, stepFunctions, client } = await start({}, ec2);
    const started = Date.now();
    const { executionArn, startDate } = await client.send(
      new StartExecutionCommand({
        stateMachineArn: ARN,
        name: 'req-1',
        input: JSON.stringify({ imageIds: ['ami-1', 'ami-2'] }),
      }),
    );
    expect(executionArn).toBe('arn:aws:states:ap-northeast-2:111122223333:execution:watcher:req-1');
    expect(startDate).toBeInstanceOf(Date);

    await stepFunctions.whenIdle();
    // Four 60 s waits, scaled by 0.0005, take milliseconds rather than minutes.
    expect(Date.now() - started).toBeLessThan(3_000);
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({ status: 'SUCCEEDED', name: 'req-1', stateMachineArn: ARN });
    expect(described.stopDate).toBeInstanceOf(Date);
    expect(JSON.parse(described.output as string)).toEqual([
      { imageId: 'ami-1', state: 'available' },
      { imageId: 'ami-2', state: 'available' },
    ]);
    expect(ec2.calls).toHaveLength(4);
    expect(ec2.calls[0]).toEqual({ ImageIds: ['ami-1'] });
    expect(bus.events().map((event) => event.detail)).toEqual(
      expect.arrayContaining([
        { imageId: 'ami-1', state: 'available' },
        { imageId: 'ami-2', state: 'available' },
      ]),
    );
  });

  it('should record FAILED with the error and cause of a Fail state', async () => {
    const { stepFunctions, client } = await start({}, fakeEc2({ 'ami-9': ['failed'] }));
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: ARN, input: '{"imageIds":["ami-9"]}' }),
    );
    await stepFunctions.whenIdle();
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({
      status: 'FAILED',
      error: 'ImageFailed',
      cause: 'the image failed',
    });
    expect(described.output).toBeUndefined();
  });

  it('should fail the execution with the error name a task handler throws', async () => {
    const throwing = {
      calls: [],
      handler: async () => {
        const error = new Error('Throttled');
        error.name = 'Ec2.RequestLimitExceeded';
        throw error;
      },
    };
    const { stepFunctions, client } = await start({}, throwing);
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: ARN, input: '{"imageIds":["ami-1"]}' }),
    );
    await stepFunctions.whenIdle();
    expect(await client.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({
      status: 'FAILED',
      error: 'Ec2.RequestLimitExceeded',
      cause: 'Throttled',
    });
  });

  it('should return the running execution for the same name and input, and refuse a different input', async () => {
    const { client } = await start({ waitScale: 1 });
    const input = '{"imageIds":["ami-1"]}';
    const first = await client.send(
      new StartExecutionCommand({ stateMachineArn: ARN, name: 'req-7', input }),
    );
    const again = await client.send(
      new StartExecutionCommand({ stateMachineArn: ARN, name: 'req-7', input }),
    );
    expect(again).toMatchObject({ executionArn: first.executionArn, startDate: first.startDate });
    await expect(
      client.send(
        new StartExecutionCommand({
          stateMachineArn: ARN,
          name: 'req-7',
          input: '{"imageIds":["ami-2"]}',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists', $metadata: { httpStatusCode: 400 } });
  });

  it('should refuse a name already used by a closed execution, as AWS does for Standard workflows', async () => {
    const { stepFunctions, client } = await start();
    const input = '{"imageIds":["ami-1"]}';
    await client.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'done', input }));
    await stepFunctions.whenIdle();
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: ARN, name: 'done', input })),
    ).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
  });

  it.each([
    ['an invalid name', { stateMachineArn: ARN, name: 'has space' }, 'InvalidName'],
    ['a name over 80 characters', { stateMachineArn: ARN, name: 'x'.repeat(81) }, 'InvalidName'],
    ['an unknown state machine', { stateMachineArn: `${ARN}-nope` }, 'StateMachineDoesNotExist'],
    ['a malformed arn', { stateMachineArn: 'watcher' }, 'InvalidArn'],
    [
      'an input that is not JSON',
      { stateMachineArn: ARN, input: '{nope' },
      'InvalidExecutionInput',
    ],
  ])('should answer StartExecution with %s', async (_name, request, code) => {
    const { client } = await start();
    await expect(client.send(new StartExecutionCommand(request))).rejects.toMatchObject({
      name: code,
    });
  });

  it('should answer ExecutionDoesNotExist for an unknown execution', async () => {
    const { client } = await start();
    await expect(
      client.send(
        new DescribeExecutionCommand({
          executionArn: `${ARN.replace(':stateMachine:', ':execution:')}:nope`,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });

  it('should list executions newest first, filtered by status, page by page', async () => {
    let now = Date.parse('2025-06-05T12:00:00Z');
    const tick = () => {
      now += 1_000;
      return new Date(now);
    };
    const { client } = await start({ waitScale: 1, now: tick });
    for (const name of ['a', 'b', 'c']) {
      await client.send(
        new StartExecutionCommand({ stateMachineArn: ARN, name, input: '{"imageIds":["ami-1"]}' }),
      );
    }
    await client.send(
      new StopExecutionCommand({
        executionArn: `${ARN.replace(':stateMachine:', ':execution:')}:b`,
        error: 'Manual',
        cause: 'test',
      }),
    );

    const first = await client.send(
      new ListExecutionsCommand({ stateMachineArn: ARN, maxResults: 2 }),
    );
    expect(first.executions?.map((execution) => execution.name)).toEqual(['c', 'b']);
    const second = await client.send(
      new ListExecutionsCommand({
        stateMachineArn: ARN,
        maxResults: 2,
        nextToken: first.nextToken,
      }),
    );
    expect(second.executions?.map((execution) => execution.name)).toEqual(['a']);
    expect(second.nextToken).toBeUndefined();

    const running = await client.send(
      new ListExecutionsCommand({ stateMachineArn: ARN, statusFilter: 'RUNNING' }),
    );
    expect(running.executions?.map((execution) => execution.name)).toEqual(['c', 'a']);
    const aborted = await client.send(
      new ListExecutionsCommand({ stateMachineArn: ARN, statusFilter: 'ABORTED' }),
    );
    expect(aborted.executions?.[0]).toMatchObject({
      name: 'b',
      status: 'ABORTED',
      stopDate: expect.any(Date),
    });
    await expect(
      client.send(new ListExecutionsCommand({ stateMachineArn: `${ARN}x` })),
    ).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
  });
});

describe('state machine registration', () => {
  it('should refuse a machine with a Task nobody answers, rather than call real AWS', () => {
    const stepFunctions = createStepFunctions({ taskHandlers: {} });
    expect(() =>
      stepFunctions.registerStateMachine({ arn: ARN, name: 'watcher', definition: watcher }),
    ).toThrow(
      /no local handler for Task state\(s\) DescribeImage \(arn:aws:states:::aws-sdk:ec2:describeImages\), Publish/,
    );
  });

  it('should refuse an invalid definition', () => {
    const stepFunctions = createStepFunctions({ taskHandlers: {} });
    const definition = { StartAt: 'Nowhere', States: { A: { Type: 'Pass', End: true } } };
    expect(() => stepFunctions.registerStateMachine({ arn: ARN, name: 'bad', definition })).toThrow(
      StateMachineDefinitionError,
    );
  });

  it('should refuse an invalid definition every time, not only the first', () => {
    const definition = { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } };
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      const stepFunctions = createStepFunctions({ taskHandlers: {} });
      expect(() =>
        stepFunctions.registerStateMachine({ arn: ARN, name: 'bad', definition }),
      ).toThrow(/bad: State machine definition is invalid/);
    }
  });

  it('should keep for the next start only the definitions that passed validation', () => {
    const validatedDefinitionsDir = temporaryFolder('sfn-valid');
    const stepFunctions = createStepFunctions({
      taskHandlers: { [DESCRIBE]: fakeEc2({}).handler, [PUT_EVENTS]: async () => ({}) },
      validatedDefinitionsDir,
    });
    const invalid = { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Elsewhere' } } };

    stepFunctions.registerStateMachine({ arn: ARN, name: 'watcher', definition: watcher });
    expect(() =>
      stepFunctions.registerStateMachine({ arn: `${ARN}-bad`, name: 'bad', definition: invalid }),
    ).toThrow(StateMachineDefinitionError);

    expect(readdirSync(validatedDefinitionsDir)).toHaveLength(1);
  });

  it('should run a definition registered again after it was validated once', async () => {
    const handlers = { [DESCRIBE]: fakeEc2({}).handler, [PUT_EVENTS]: async () => ({}) };
    for (let start = 1; start <= 2; start += 1) {
      const stepFunctions = createStepFunctions({ waitScale: 0.0001, taskHandlers: handlers });
      stepFunctions.registerStateMachine({ arn: ARN, name: 'watcher', definition: watcher });
      const { executionArn } = stepFunctions.startExecution({
        stateMachineArn: ARN,
        input: '{"imageIds":[]}',
      });
      await stepFunctions.whenIdle();
      expect(stepFunctions.describeExecution(executionArn).status).toBe('SUCCEEDED');
    }
  });
});

describe('persistence', () => {
  const handlers = () => ({ [DESCRIBE]: fakeEc2({}).handler, [PUT_EVENTS]: async () => ({}) });

  it('should show finished executions after a restart and abort those left running', async () => {
    const stateFile = join(temporaryFolder('sfn'), 'executions.json');
    const first = createStepFunctions({ stateFile, waitScale: 0.0001, taskHandlers: handlers() });
    first.registerStateMachine({ arn: ARN, name: 'watcher', definition: watcher });
    first.startExecution({
      stateMachineArn: ARN,
      name: 'finished',
      input: '{"imageIds":["ami-1"]}',
    });
    await first.whenIdle();
    const slow = createStepFunctions({ stateFile, waitScale: 1, taskHandlers: handlers() });
    slow.registerStateMachine({ arn: ARN, name: 'watcher', definition: watcher });
    slow.startExecution({
      stateMachineArn: ARN,
      name: 'interrupted',
      input: '{"imageIds":["ami-1"]}',
    });
    await slow.close();

    const restarted = createStepFunctions({ stateFile, taskHandlers: handlers() });
    restarted.registerStateMachine({ arn: ARN, name: 'watcher', definition: watcher });
    const byName = Object.fromEntries(
      restarted
        .listExecutions({ stateMachineArn: ARN })
        .executions.map((execution) => [execution.name, execution]),
    );
    expect(byName.finished).toMatchObject({ status: 'SUCCEEDED', output: expect.any(String) });
    expect(byName.interrupted).toMatchObject({ status: 'ABORTED', error: 'LocalCloud.Restarted' });
  });

  it('should rerun executions left running when told to', async () => {
    const stateFile = join(temporaryFolder('sfn'), 'executions.json');
    const slow = createStepFunctions({ stateFile, waitScale: 1, taskHandlers: handlers() });
    slow.registerStateMachine({ arn: ARN, name: 'watcher', definition: watcher });
    const { executionArn } = slow.startExecution({
      stateMachineArn: ARN,
      name: 'resumed',
      input: '{"imageIds":["ami-1"]}',
    });
    await slow.close();

    const restarted = createStepFunctions({
      stateFile,
      waitScale: 0.0001,
      runningAtRestart: 'rerun',
      taskHandlers: handlers(),
    });
    expect(restarted.describeExecution(executionArn).status).toBe('RUNNING');
    restarted.registerStateMachine({ arn: ARN, name: 'watcher', definition: watcher });
    await restarted.whenIdle();
    expect(restarted.describeExecution(executionArn).status).toBe('SUCCEEDED');
  });
});
