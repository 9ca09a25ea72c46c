import {
  DescribeExecutionCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { beforeEach, describe, expect, it } from 'vitest';
import type { WatcherImage } from '../../events/watcher-input';
import { fakeStateMachine, STATE_MACHINE_ARN } from './fake-cloud.test-double';
import { extraExecutionName, startWatcher, WatcherStartError } from './start-watcher';

const client = new SFNClient({ region: 'ap-northeast-2' });
const REQUEST = '01JDEPLOY0000000000000001';
const executionArn = (name: string) =>
  `arn:aws:states:ap-northeast-2:123456789012:execution:ami-lifecycle-watcher:${name}`;
const EXECUTION = executionArn(REQUEST);

function image(instanceName: string, imageId: string): WatcherImage {
  return {
    requestId: REQUEST,
    instanceName,
    instanceId: 'i-0123456789abcdef0',
    imageId,
    imageName: `${instanceName}-Deploy-2025-06-05_12_00`,
    deadlineAt: '2025-06-05T18:00:00.000Z',
  };
}
const api = image('service-api', 'ami-00000000000000001');
const worker = image('service-worker', 'ami-00000000000000002');
const batch = image('service-batch', 'ami-00000000000000003');

describe('startWatcher', () => {
  let machine: ReturnType<typeof fakeStateMachine>;

  beforeEach(() => {
    machine = fakeStateMachine();
  });

  it('should start one execution named after the request with every image', async () => {
    const arns = await startWatcher(client, STATE_MACHINE_ARN, {
      requestId: REQUEST,
      images: [api, worker],
    });

    expect(arns).toEqual({
      executionArns: [EXECUTION],
      startedImageIds: new Set([api.imageId, worker.imageId]),
    });
    expect(machine.sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(machine.sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: STATE_MACHINE_ARN,
      name: REQUEST,
      input: JSON.stringify({ requestId: REQUEST, images: [api, worker] }),
    });
  });

  it('should return the same execution when the same images are started again', async () => {
    const input = { requestId: REQUEST, images: [api, worker] };
    await startWatcher(client, STATE_MACHINE_ARN, input);

    const again = await startWatcher(client, STATE_MACHINE_ARN, input);

    expect(again.executionArns).toEqual([EXECUTION]);
    expect(machine.executions.size).toBe(1);
  });

  it('should start nothing new when a redelivery hands over the same images with a later deadline', async () => {
    await startWatcher(client, STATE_MACHINE_ARN, { requestId: REQUEST, images: [api, worker] });
    const later = (image: WatcherImage) => ({ ...image, deadlineAt: '2025-06-05T18:05:00.000Z' });

    const again = await startWatcher(client, STATE_MACHINE_ARN, {
      requestId: REQUEST,
      images: [later(api), later(worker)],
    });

    expect(again).toEqual({ executionArns: [EXECUTION], startedImageIds: new Set() });
    expect(machine.executions.size).toBe(1);
    expect(JSON.parse(machine.executions.get(EXECUTION)?.input ?? '{}').images).toEqual([
      api,
      worker,
    ]);
  });

  it('should watch only the images the existing execution does not cover, one execution each', async () => {
    // Prepare: the first delivery created only the api image.
    await startWatcher(client, STATE_MACHINE_ARN, { requestId: REQUEST, images: [api] });

    // Act: a redelivery now also has the worker image; a third one adds the batch image.
    const second = await startWatcher(client, STATE_MACHINE_ARN, {
      requestId: REQUEST,
      images: [api, worker],
    });
    const later = (image: WatcherImage) => ({ ...image, deadlineAt: '2025-06-05T18:05:00.000Z' });
    const third = await startWatcher(client, STATE_MACHINE_ARN, {
      requestId: REQUEST,
      images: [later(api), later(worker), later(batch)],
    });

    // Assess: every image is watched by exactly one execution.
    const workerExecution = executionArn(extraExecutionName(worker));
    expect(second).toEqual({
      executionArns: [EXECUTION, workerExecution],
      startedImageIds: new Set([worker.imageId]),
    });
    expect(third.executionArns).toHaveLength(3);
    expect(third.startedImageIds).toEqual(new Set([batch.imageId]));
    expect(machine.watchers().get(batch.imageId)).toHaveLength(1);
    expect(machine.executions.size).toBe(3);
    for (const watchedBy of machine.watchers().values()) expect(watchedBy).toHaveLength(1);
    expect(machine.watchers().get(worker.imageId)).toEqual([workerExecution]);
    expect(machine.sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, {
      executionArn: EXECUTION,
    });
  });

  it('should start nothing new when a finished execution already covers every image', async () => {
    // Prepare: Step Functions refuses a name reused after the execution closed.
    machine.sfn.on(StartExecutionCommand).rejects(
      new SFNServiceException({
        name: 'ExecutionAlreadyExists',
        $fault: 'client',
        $metadata: {},
      }),
    );
    machine.sfn.on(DescribeExecutionCommand).resolves({
      status: 'SUCCEEDED',
      input: JSON.stringify({ requestId: REQUEST, images: [api, worker] }),
    });

    const arns = await startWatcher(client, STATE_MACHINE_ARN, {
      requestId: REQUEST,
      images: [api, worker],
    });

    expect(arns).toEqual({ executionArns: [EXECUTION], startedImageIds: new Set() });
    expect(machine.sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });

  it('should keep execution names within 80 characters for the longest request id', () => {
    const requestId = 'r'.repeat(64);
    const name = extraExecutionName({ ...api, requestId });
    expect(name).toMatch(/^r{64}-[0-9a-f]{12}$/);
    expect(name).not.toBe(extraExecutionName({ ...worker, requestId }));
  });

  it('should throw WatcherStartError when the existing execution has a foreign input', async () => {
    machine.sfn.on(StartExecutionCommand).rejects(
      new SFNServiceException({
        name: 'ExecutionAlreadyExists',
        $fault: 'client',
        $metadata: {},
      }),
    );
    machine.sfn.on(DescribeExecutionCommand).resolves({ input: '{"ami_ids":["ami-1"]}' });

    await expect(
      startWatcher(client, STATE_MACHINE_ARN, { requestId: REQUEST, images: [api] }),
    ).rejects.toThrow(WatcherStartError);
  });

  it('should rethrow other Step Functions errors', async () => {
    machine.sfn.on(StartExecutionCommand).rejects(
      new SFNServiceException({
        name: 'StateMachineDoesNotExist',
        message: 'State Machine Does Not Exist',
        $fault: 'client',
        $metadata: {},
      }),
    );

    await expect(
      startWatcher(client, STATE_MACHINE_ARN, { requestId: REQUEST, images: [api] }),
    ).rejects.toThrow('State Machine Does Not Exist');
  });

  it('should refuse to send an input that is not a watcher input', async () => {
    await expect(
      startWatcher(client, STATE_MACHINE_ARN, { requestId: REQUEST, images: [] }),
    ).rejects.toThrow(WatcherStartError);
    expect(machine.sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });
});
