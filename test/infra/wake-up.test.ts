import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import {
  EC2_AMI_STATE_CHANGE,
  EC2_AMI_STATE_CHANGE_EXAMPLES,
  ec2AmiStateChangeDetailSchema,
} from '../../events/ec2-ami-state-change';
import { z } from '../../events/zod';
import { TEMPLATE_METADATA } from '../../infra/template-metadata';
import { STALE_TOKEN_ERRORS, WAKE_STATES } from '../../infra/watcher/wake-definition';
import { synthesize } from './synthesize';
import {
  type CfnTemplate,
  type LocalHandler,
  stateMachineDefinition,
  stateMachineOf,
  templateJson,
} from './template';

type Json = Awaited<ReturnType<LocalHandler>>;

const getItemInput = z.object({
  TableName: z.string(),
  Key: z.object({ imageId: z.object({ S: z.string() }) }),
  ConsistentRead: z.boolean(),
});
const sendTaskSuccessInput = z.object({ TaskToken: z.string(), Output: z.string() });

const [AVAILABLE] = EC2_AMI_STATE_CHANGE_EXAMPLES;
if (!AVAILABLE) throw new Error('no example');

/** An `EC2 AMI State Change` event as EventBridge hands it to the rule's target. */
const event = {
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': EC2_AMI_STATE_CHANGE.detailType,
  source: EC2_AMI_STATE_CHANGE.source,
  account: '111122223333',
  time: '2025-06-05T12:03:30Z',
  region: 'ap-northeast-2',
  resources: [`arn:aws:ec2:ap-northeast-2::image/${AVAILABLE.ImageId}`],
  detail: AVAILABLE,
};

let synthesized: CfnTemplate | undefined;
/** The stack with the default settings, synthesized once: every test here only reads it. */
function defaultTemplate(): CfnTemplate {
  synthesized ??= templateJson(synthesize().template);
  return synthesized;
}

/**
 * Runs the synthesized wake-up definition on the event, with DynamoDB answered from `table`
 * (image id → token) and SendTaskSuccess answered by `returnToken`.
 */
async function runWakeUp(
  table: Record<string, string>,
  returnToken: (token: string, output: string) => void = () => {},
) {
  const definition = stateMachineDefinition(defaultTemplate(), 'watcher-wake-up');
  const reads: string[] = [];
  const getItem: LocalHandler = async (raw): Promise<Json> => {
    const { Key, ConsistentRead } = getItemInput.parse(raw);
    expect(ConsistentRead).toBe(true);
    reads.push(Key.imageId.S);
    const token = table[Key.imageId.S];
    if (token === undefined) return {};
    return { Item: { imageId: { S: Key.imageId.S }, taskToken: { S: token } } };
  };
  const sendTaskSuccess: LocalHandler = async (raw) => {
    const { TaskToken, Output } = sendTaskSuccessInput.parse(raw);
    returnToken(TaskToken, Output);
    return {};
  };
  const execution = stateMachineOf(definition).run(event, {
    overrides: {
      taskResourceLocalHandlers: {
        [WAKE_STATES.find]: getItem,
        [WAKE_STATES.wake]: sendTaskSuccess,
      },
      retryIntervalOverrides: { [WAKE_STATES.find]: 0, [WAKE_STATES.wake]: 0 },
    },
  });
  const entered: string[] = [];
  const result = execution.result.finally(async () => {
    for await (const log of execution.eventLogs) {
      if (log.type === 'StateEntered') entered.push(log.state.name);
    }
  });
  const settledEntries = async () => {
    await result.catch(() => {});
    return entered;
  };
  return { result, reads, entered: settledEntries };
}

describe('watcher wake-up state machine', () => {
  it('should be valid Amazon States Language', () => {
    const definition = stateMachineDefinition(defaultTemplate(), 'watcher-wake-up');
    const result = aslValidator(structuredClone(definition));
    expect(result.errorsText('\n')).toBe('');
  });

  it('should name its Task states by resource in the template metadata', () => {
    const json = defaultTemplate();
    const [, resource] =
      Object.entries(json.Resources).find(
        ([, candidate]) => candidate.Metadata?.[TEMPLATE_METADATA.service] === 'watcher-wake-up',
      ) ?? [];
    const byResource: Record<string, string[]> = {};
    for (const [name, state] of Object.entries(
      stateMachineDefinition(json, 'watcher-wake-up').States,
    )) {
      if (state.Type !== 'Task') continue;
      const action = String(state.Resource).replace(/^arn:aws:states:::(aws-sdk:)?/, '');
      byResource[action] = [...(byResource[action] ?? []), name];
    }
    expect(resource?.Metadata?.[TEMPLATE_METADATA.taskStates]).toEqual(byResource);
    expect(Object.keys(byResource).sort()).toEqual(['dynamodb:getItem', 'sfn:sendTaskSuccess']);
  });

  it('should return the token of the check waiting for the AMI, with the event as output', async () => {
    const returned: { token: string; output: string }[] = [];
    const run = await runWakeUp({ [AVAILABLE.ImageId]: 'token-7' }, (token, output) =>
      returned.push({ token, output }),
    );
    await run.result;

    expect(run.reads).toEqual([AVAILABLE.ImageId]);
    expect(returned).toHaveLength(1);
    expect(returned[0]?.token).toBe('token-7');
    expect(ec2AmiStateChangeDetailSchema.parse(JSON.parse(returned[0]?.output ?? ''))).toEqual(
      AVAILABLE,
    );
    expect(await run.entered()).toEqual([
      WAKE_STATES.find,
      WAKE_STATES.isWaiting,
      WAKE_STATES.wake,
    ]);
  });

  it('should end quietly when no check waits for the AMI (not ours, or already done)', async () => {
    const returned: string[] = [];
    const run = await runWakeUp({}, (token) => returned.push(token));
    await run.result;

    expect(returned).toEqual([]);
    expect(await run.entered()).toEqual([
      WAKE_STATES.find,
      WAKE_STATES.isWaiting,
      WAKE_STATES.nobody,
    ]);
  });

  it.each(STALE_TOKEN_ERRORS)(
    'should succeed when the check is no longer waiting (%s)',
    async (errorName) => {
      const run = await runWakeUp({ [AVAILABLE.ImageId]: 'token-1' }, () => {
        throw Object.assign(new Error('Task Timed Out'), { name: errorName });
      });
      await run.result;

      expect(await run.entered()).toContain(WAKE_STATES.tooLate);
    },
  );

  it('should fail, for the alarm, when the token cannot be returned for another reason', async () => {
    const run = await runWakeUp({ [AVAILABLE.ImageId]: 'token-1' }, () => {
      throw Object.assign(new Error('not authorized'), { name: 'Sfn.SfnException' });
    });

    await expect(run.result).rejects.toThrow(/not authorized/);
  });
});
