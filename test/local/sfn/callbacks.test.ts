import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalDynamoDb } from '../../../infra/local/dynamodb/local-dynamodb';
import { dynamoDbTaskHandler } from '../../../infra/local/dynamodb/table-tasks';
import { createStepFunctions } from '../../../infra/local/sfn/step-functions';
import { serveStepFunctions } from './sfn-endpoint';

const ARN = 'arn:aws:states:ap-northeast-2:111122223333:stateMachine:callbacks';
const PUT_AND_WAIT = 'arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken';
const TABLE = 'WaitingChecks';

/** The watcher's wait in miniature: leave the token in a table, wait for it at most 60 s. */
const definition = {
  StartAt: 'Wait',
  States: {
    Wait: {
      Type: 'Task',
      Resource: PUT_AND_WAIT,
      Parameters: {
        TableName: TABLE,
        Item: { imageId: { 'S.$': '$.imageId' }, taskToken: { 'S.$': '$$.Task.Token' } },
      },
      TimeoutSeconds: 60,
      ResultPath: '$.woken',
      Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.timedOut', Next: 'TimedOut' }],
      End: true,
    },
    TimedOut: { Type: 'Pass', End: true },
  },
};

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(waitScale: number) {
  const dynamodb = await startLocalDynamoDb({
    region: 'ap-northeast-2',
    tables: [
      {
        logicalId: 'Table',
        name: TABLE,
        partitionKey: { name: 'imageId', type: 'S' },
        globalSecondaryIndexes: [],
      },
    ],
  });
  cleanups.push(dynamodb.close);
  const stepFunctions = createStepFunctions({
    waitScale,
    taskHandlers: { [PUT_AND_WAIT]: dynamoDbTaskHandler(dynamodb.client, PUT_AND_WAIT) },
  });
  stepFunctions.registerStateMachine({ arn: ARN, name: 'callbacks', definition });
  const { client, close } = await serveStepFunctions(stepFunctions);
  cleanups.push(close);
  const run = async (imageId: string) => {
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: ARN, input: JSON.stringify({ imageId }) }),
    );
    return executionArn as string;
  };
  /** The token the running Task left in the table, once it is there. */
  const tokenOf = async (imageId: string): Promise<string> => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const { Item } = await dynamodb.client.send(
        new GetItemCommand({ TableName: TABLE, Key: { imageId: { S: imageId } } }),
      );
      const token = Item?.taskToken?.S;
      if (token) return token;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no token for ${imageId}`);
  };
  const describe = async (executionArn: string) => {
    await stepFunctions.whenIdle();
    return client.send(new DescribeExecutionCommand({ executionArn }));
  };
  return { client, run, tokenOf, describe };
}

describe('callback Tasks (.waitForTaskToken) through @aws-sdk/client-sfn', () => {
  it('should hand the Task its own token and continue with the output SendTaskSuccess gives', async () => {
    const { client, run, tokenOf, describe: describeExecution } = await start(1);
    const executionArn = await run('ami-1');
    const token = await tokenOf('ami-1');

    await client.send(
      new SendTaskSuccessCommand({ taskToken: token, output: '{"State":"available"}' }),
    );

    const described = await describeExecution(executionArn);
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? '')).toEqual({
      imageId: 'ami-1',
      woken: { State: 'available' },
    });
  });

  it('should give each waiting Task a different token', async () => {
    const { run, tokenOf } = await start(1);
    await run('ami-1');
    await run('ami-2');
    expect(await tokenOf('ami-1')).not.toBe(await tokenOf('ami-2'));
  });

  it('should time out at TimeoutSeconds, scaled like the Waits, with States.Timeout', async () => {
    const { client, run, tokenOf, describe: describeExecution } = await start(0.002);
    const executionArn = await run('ami-1');
    const token = await tokenOf('ami-1');

    const described = await describeExecution(executionArn);
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? '')).toMatchObject({
      timedOut: { Error: 'States.Timeout' },
    });
    // As on AWS: the token of a Task that timed out is refused with TaskTimedOut.
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });

  it('should refuse an unknown token and output that is not JSON', async () => {
    const { client, run, tokenOf } = await start(1);
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' })),
    ).rejects.toMatchObject({ name: 'InvalidToken' });

    await run('ami-1');
    const token = await tokenOf('ami-1');
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: token, output: 'not json' })),
    ).rejects.toMatchObject({ name: 'InvalidOutput' });
  });

  it('should fail the Task with the error SendTaskFailure gives', async () => {
    const { client, run, tokenOf, describe: describeExecution } = await start(1);
    const executionArn = await run('ami-1');
    await client.send(
      new SendTaskFailureCommand({
        taskToken: await tokenOf('ami-1'),
        error: 'Watcher.Cancelled',
        cause: 'the request was withdrawn',
      }),
    );
    expect(await describeExecution(executionArn)).toMatchObject({
      status: 'FAILED',
      error: 'Watcher.Cancelled',
      cause: 'the request was withdrawn',
    });
  });
});
