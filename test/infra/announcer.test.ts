import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { AmiFailedV1, type AnnouncerInput, parseDetail, SOURCES } from '../../events';
import { z } from '../../events/zod';
import { ANNOUNCER_STATES } from '../../infra/creator/announcer-definition';
import { synthesize } from './synthesize';
import {
  type CfnTemplate,
  type LocalHandler,
  putEventsInput,
  stateMachineDefinition,
  stateMachineOf,
  templateJson,
} from './template';

const updateItemInput = z.object({
  Key: z.object({
    requestId: z.object({ S: z.string() }),
    instanceName: z.object({ S: z.string() }),
  }),
  UpdateExpression: z.string(),
  ConditionExpression: z.string(),
});

const [EXAMPLE] = AmiFailedV1.examples;
if (!EXAMPLE) throw new Error('no example');
const input: AnnouncerInput = { detail: EXAMPLE };

let synthesized: CfnTemplate | undefined;
function defaultTemplate(): CfnTemplate {
  synthesized ??= templateJson(synthesize().template);
  return synthesized;
}

/** Runs the synthesized announcer; `failPublish`/`failRecord` make those Tasks throw every time. */
async function runAnnouncer(options: { failPublish?: boolean; failRecord?: boolean } = {}) {
  const definition = stateMachineDefinition(defaultTemplate(), 'creator-announcer');
  const published: z.output<typeof putEventsInput>['Entries'] = [];
  const recorded: z.output<typeof updateItemInput>[] = [];
  const putEvents: LocalHandler = async (raw) => {
    if (options.failPublish) throw Object.assign(new Error('down'), { name: 'EventBridge.Down' });
    published.push(...putEventsInput.parse(raw).Entries);
    return { FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] };
  };
  const updateItem: LocalHandler = async (raw) => {
    if (options.failRecord) throw Object.assign(new Error('down'), { name: 'DynamoDB.Down' });
    recorded.push(updateItemInput.parse(raw));
    return {};
  };
  const execution = stateMachineOf(definition).run(input, {
    overrides: {
      taskResourceLocalHandlers: {
        [ANNOUNCER_STATES.publish]: putEvents,
        [ANNOUNCER_STATES.recordPublished]: updateItem,
      },
      retryIntervalOverrides: {
        [ANNOUNCER_STATES.publish]: 0,
        [ANNOUNCER_STATES.recordPublished]: 0,
      },
    },
  });
  const outcome = await execution.result.then(
    () => 'succeeded' as const,
    () => 'failed' as const,
  );
  return { outcome, published, recorded };
}

describe('the creator announcer state machine', () => {
  it('should be valid Amazon States Language', () => {
    const definition = stateMachineDefinition(defaultTemplate(), 'creator-announcer');
    expect(aslValidator(structuredClone(definition)).errorsText('\n')).toBe('');
  });

  it('should publish the AmiFailed it is given, from the creator, then mark the name published', async () => {
    const { outcome, published, recorded } = await runAnnouncer();

    expect(outcome).toBe('succeeded');
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ DetailType: 'AmiFailed', Source: SOURCES.creator });
    expect(parseDetail(AmiFailedV1, published[0]?.Detail)).toEqual(EXAMPLE);
    expect(recorded).toEqual([
      {
        Key: {
          requestId: { S: EXAMPLE.data.requestId },
          instanceName: { S: EXAMPLE.data.instanceName },
        },
        UpdateExpression: 'SET #published = :true',
        ConditionExpression: 'attribute_exists(#published)',
      },
    ]);
  });

  it('should succeed once the event is out, even when the ledger cannot record it', async () => {
    const { outcome, published } = await runAnnouncer({ failRecord: true });

    expect(outcome).toBe('succeeded');
    expect(published).toHaveLength(1);
  });

  it('should fail, publishing nothing and recording nothing, when the bus refuses every attempt', async () => {
    const { outcome, published, recorded } = await runAnnouncer({ failPublish: true });

    expect(outcome).toBe('failed');
    expect(published).toEqual([]);
    expect(recorded).toEqual([]);
  });
});
