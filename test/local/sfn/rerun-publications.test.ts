import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEventBus } from '../../../infra/local/events/bus';
import { putEventsTaskHandler } from '../../../infra/local/events/put-events-task';
import { createStepFunctions, type TaskHandler } from '../../../infra/local/sfn/step-functions';
import { temporaryFolder } from '../../tools';

const ARN = 'arn:aws:states:ap-northeast-2:111122223333:stateMachine:announcer';
const PUT_EVENTS = 'arn:aws:states:::events:putEvents';
const RECORD = 'arn:aws:states:::aws-sdk:dynamodb:updateItem';

/**
 * The watcher's end, in small: per item, publish its outcome (stamped with the state's entry
 * time, as the watcher's events are), then record that it was published.
 */
const announcer = {
  StartAt: 'EachImage',
  States: {
    EachImage: {
      Type: 'Map',
      ItemsPath: '$.imageIds',
      ItemSelector: { 'imageId.$': '$$.Map.Item.Value' },
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'Publish',
        States: {
          Publish: {
            Type: 'Task',
            Resource: PUT_EVENTS,
            Parameters: {
              Entries: [
                {
                  Source: 'test.watcher',
                  DetailType: 'AmiAvailable',
                  Detail: {
                    'imageId.$': '$.imageId',
                    'availableAt.$': '$$.State.EnteredTime',
                  },
                },
              ],
            },
            Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 3 }],
            ResultPath: null,
            Next: 'RecordPublished',
          },
          RecordPublished: { Type: 'Task', Resource: RECORD, End: true },
        },
      },
      End: true,
    },
  },
};

/**
 * A bus and Step Functions on the files of `folder`, as the local cloud starts them, with the
 * announcer registered (which reruns an execution a stop left running).
 */
function cloudOn(folder: string, record: TaskHandler) {
  const bus = createEventBus({
    region: 'ap-northeast-2',
    account: '111122223333',
    eventLogPath: join(folder, 'events.jsonl'),
    journalPath: join(folder, 'event-deliveries.jsonl'),
  });
  const stepFunctions = createStepFunctions({
    stateFile: join(folder, 'executions.json'),
    runningAtRestart: 'rerun',
    retryIntervalMs: 1,
    taskHandlers: { [PUT_EVENTS]: putEventsTaskHandler(bus), [RECORD]: record },
  });
  stepFunctions.registerStateMachine({ arn: ARN, name: 'announcer', definition: announcer });
  return { bus, stepFunctions };
}

const published = (bus: ReturnType<typeof createEventBus>) =>
  bus.events().map((event) => (event.detail as { imageId: string }).imageId);

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('an execution rerun after a restart', () => {
  it('should not publish again the events its interrupted run published', async () => {
    // Prepare: the first run publishes both outcomes, then stops before recording them.
    const folder = temporaryFolder('sfn-rerun');
    const first = cloudOn(folder, () => new Promise(() => {}));
    const { executionArn } = first.stepFunctions.startExecution({
      stateMachineArn: ARN,
      name: 'request-1',
      input: JSON.stringify({ imageIds: ['ami-1', 'ami-2'] }),
    });
    await until(() => published(first.bus).length === 2);
    await first.stepFunctions.close();

    // Act: a new start on the same files reruns the execution, whose records now succeed.
    const restarted = cloudOn(folder, async () => ({}));
    await restarted.stepFunctions.whenIdle();

    // Assess
    expect(restarted.stepFunctions.describeExecution(executionArn).status).toBe('SUCCEEDED');
    expect(published(restarted.bus).sort()).toEqual(['ami-1', 'ami-2']);
  });

  it('should publish an entry the bus refused when the Task retries it, once', async () => {
    // Prepare: the bus refuses the first attempt; the retry is a call of its own.
    const folder = temporaryFolder('sfn-rerun');
    const first = cloudOn(folder, () => new Promise(() => {}));
    first.bus.injectFailure({ detailType: 'AmiAvailable', times: 1 });
    first.stepFunctions.startExecution({
      stateMachineArn: ARN,
      name: 'request-2',
      input: JSON.stringify({ imageIds: ['ami-3'] }),
    });
    await until(() => published(first.bus).length === 1);
    await first.stepFunctions.close();

    // Act
    const restarted = cloudOn(folder, async () => ({}));
    await restarted.stepFunctions.whenIdle();

    // Assess
    expect(published(restarted.bus)).toEqual(['ami-3']);
  });

  it('should publish each of two identical items of one run', async () => {
    const folder = temporaryFolder('sfn-rerun');
    const { bus, stepFunctions } = cloudOn(folder, async () => ({}));
    stepFunctions.startExecution({
      stateMachineArn: ARN,
      name: 'request-3',
      input: JSON.stringify({ imageIds: ['ami-4', 'ami-4'] }),
    });
    await stepFunctions.whenIdle();
    expect(published(bus)).toEqual(['ami-4', 'ami-4']);
  });
});
