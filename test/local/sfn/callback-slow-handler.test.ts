import { describe, expect, it } from 'vitest';
import { createStepFunctions } from '../../../infra/local/sfn/step-functions';

const ARN = 'arn:aws:states:ap-northeast-2:111122223333:stateMachine:slow-callback';
const PUT_AND_WAIT = 'arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken';

const definition = {
  StartAt: 'Wait',
  States: {
    Wait: {
      Type: 'Task',
      Resource: PUT_AND_WAIT,
      Parameters: { Item: { taskToken: { 'S.$': '$$.Task.Token' } } },
      TimeoutSeconds: 60,
      Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.timedOut', Next: 'TimedOut' }],
      End: true,
    },
    TimedOut: { Type: 'Pass', End: true },
  },
};

describe('a callback Task whose call outlasts its timeout (a loaded machine)', () => {
  it('should time out as the definition says, without an unhandled rejection ending the process', async () => {
    // Prepare: the call that leaves the token takes 200 ms; the Task may wait 60 s × 0.0001 = 6 ms.
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    const stepFunctions = createStepFunctions({
      waitScale: 0.0001,
      taskHandlers: {
        [PUT_AND_WAIT]: () => new Promise((resolve) => setTimeout(() => resolve({}), 200)),
      },
    });
    stepFunctions.registerStateMachine({ arn: ARN, name: 'slow-callback', definition });

    // Act
    const { executionArn } = stepFunctions.startExecution({ stateMachineArn: ARN, input: '{}' });
    await stepFunctions.whenIdle();
    await new Promise((resolve) => setImmediate(resolve));
    process.off('unhandledRejection', onRejection);

    // Assess
    expect(rejections).toEqual([]);
    expect(stepFunctions.describeExecution(executionArn).status).toBe('SUCCEEDED');
  });
});
