import { AmiAvailableV1, parseDetail, type WatcherInput } from '../../events';
import * as z from '../../events/zod';
import { functionTaskStates, taskStates } from './definition-states';
import { SEED_CHECK_STATE, SEED_WATCHER_DEFINITION } from './seed-watcher';
import type { SimulatedAmi } from './simulated-ami';
import { type EnteredState, runMachine, type TaskHandlers } from './state-machine-run';

const DESCRIBE_IMAGES = 'arn:aws:states:::aws-sdk:ec2:describeImages';
const PUT_EVENTS = 'arn:aws:states:::events:putEvents';
const WAIT_FOR_WAKE_UP = 'arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken';
const FORGET = 'arn:aws:states:::aws-sdk:dynamodb:deleteItem';
/** The request ledger's record of an outcome, and of its publication. */
const LEDGER_UPDATE = 'arn:aws:states:::dynamodb:updateItem';
const PUT_PARAMETER = 'arn:aws:states:::aws-sdk:ssm:putParameter';

/** What one AMI's watch cost, and when its outcome was seen. */
export interface PollingOutcome {
  /** States entered in all: the item's and the Map's own (one AMI per execution). */
  readonly transitions: number;
  readonly itemTransitions: number;
  /** Task states entered that invoke a function, counted from the execution's event log. */
  readonly pollingInvocations: number;
  /** AMI state checks answered (DescribeImages calls, or the seed's function calls). */
  readonly checks: number;
  /** When the check that saw `available` ran, on the virtual clock. */
  readonly detectedAtMs: number;
  /** Checks that a wake-up started (ours only). */
  readonly wokenChecks: number;
}

const describeImagesInput = z.object({
  Filters: z.array(z.object({ Name: z.string(), Values: z.array(z.string()) })),
});
const putEventsInput = z.object({
  Entries: z.array(z.object({ DetailType: z.string(), Source: z.string(), Detail: z.unknown() })),
});
const seedCheckInput = z.object({ ami_id: z.string() });
const waitingCheckInput = z.object({
  Item: z.object({ imageId: z.object({ S: z.string() }), taskToken: z.object({ S: z.string() }) }),
});

/**
 * Runs the synthesized watcher for one AMI: DescribeImages answered from the simulated AMI at the
 * virtual time of the call, PutEvents recorded. A waiting check waits for its timeout, unless
 * `wakeUpAtMs` is given: then, at that time, the check waiting then (if any) gets its token back,
 * as the wake-up state machine does when EC2's event arrives. Handlers are attached by Task
 * resource, read from the definition, so a Task of any other kind (a function above all) fails the
 * run instead of reaching out of the machine.
 */
export async function runOurWatcher(
  definition: unknown,
  input: WatcherInput,
  ami: SimulatedAmi,
  startMs: number,
  wakeUpAtMs?: number,
): Promise<PollingOutcome> {
  let checks = 0;
  let wokenChecks = 0;
  let waiting: { token: string; wake: () => void } | undefined;
  const published: { detailType: string; availableAt?: string; atMs: number }[] = [];
  const handlers: TaskHandlers = {};
  const functionStates = functionTaskStates(definition);
  for (const [name, resource] of taskStates(definition)) {
    if (resource === DESCRIBE_IMAGES) {
      handlers[name] = (raw) => {
        const [filter] = describeImagesInput.parse(raw).Filters;
        if (filter?.Name !== 'image-id' || filter.Values[0] !== ami.imageId) {
          throw new Error(`unexpected DescribeImages filter ${JSON.stringify(filter)}`);
        }
        checks += 1;
        // The check is running: a wake-up now finds nobody waiting (its token timed out).
        waiting = undefined;
        return { Images: [describedImage(ami, Date.now())] };
      };
    } else if (resource === WAIT_FOR_WAKE_UP) {
      handlers[name] = (raw) => {
        const { Item } = waitingCheckInput.parse(raw);
        if (Item.imageId.S !== ami.imageId) throw new Error(`unexpected AMI ${Item.imageId.S}`);
        // Answered only by a wake-up; otherwise the Task's own timeout ends the wait.
        return new Promise((resolve) => {
          waiting = { token: Item.taskToken.S, wake: () => resolve({}) };
        });
      };
    } else if (resource === FORGET) {
      handlers[name] = () => {
        waiting = undefined;
        return {};
      };
    } else if (resource === LEDGER_UPDATE) {
      // A name seen for the first time: every record is accepted.
      handlers[name] = () => ({});
    } else if (resource === PUT_PARAMETER) {
      handlers[name] = () => ({ Version: 1, Tier: 'Standard' });
    } else if (resource === PUT_EVENTS) {
      handlers[name] = (raw) => {
        const { Entries } = putEventsInput.parse(raw);
        for (const entry of Entries) {
          const record: (typeof published)[number] = {
            detailType: entry.DetailType,
            atMs: Date.now(),
          };
          if (entry.DetailType === AmiAvailableV1.detailType) {
            record.availableAt = parseDetail(AmiAvailableV1, entry.Detail).data.availableAt;
          }
          published.push(record);
        }
        return { Entries: Entries.map((_, i) => ({ EventId: `event-${i}` })), FailedEntryCount: 0 };
      };
    } else {
      throw new Error(`no local answer for the watcher's ${name} (${resource})`);
    }
  }
  const wakeUp = () => {
    const check = waiting;
    waiting = undefined;
    if (!check) return;
    wokenChecks += 1;
    check.wake();
  };
  const run = await runMachine(definition, input, handlers, startMs, () => {
    if (wakeUpAtMs !== undefined) setTimeout(wakeUp, wakeUpAtMs - startMs);
  });
  const [event, ...others] = published;
  if (event?.detailType !== AmiAvailableV1.detailType || others.length > 0 || !event.availableAt) {
    throw new Error(`expected one AmiAvailable, published ${JSON.stringify(published)}`);
  }
  return {
    ...count(run.entered, functionStates),
    checks,
    detectedAtMs: Date.parse(event.availableAt),
    wokenChecks,
  };
}

/**
 * Runs the seed's state machine for one AMI, its function answered by a local handler that does
 * what `ami_notifier.py` does: read the AMI's state and, when available, post the webhook (the
 * bench times that post separately). Its calls are counted beside the event log's Task entries.
 */
export async function runSeedWatcher(ami: SimulatedAmi, startMs: number): Promise<PollingOutcome> {
  let checks = 0;
  let detectedAtMs: number | undefined;
  const run = await runMachine(
    SEED_WATCHER_DEFINITION,
    { ami_ids: [ami.imageId] },
    {
      [SEED_CHECK_STATE]: (raw) => {
        const { ami_id } = seedCheckInput.parse(raw);
        if (ami_id !== ami.imageId) throw new Error(`unexpected AMI ${ami_id}`);
        checks += 1;
        const state = ami.stateAt(Date.now());
        if (state === 'available') detectedAtMs ??= Date.now();
        return { ami_id, ami_state: state };
      },
    },
    startMs,
  );
  if (detectedAtMs === undefined) throw new Error('the seed never saw the AMI available');
  const outcome = count(run.entered, functionTaskStates(SEED_WATCHER_DEFINITION));
  if (outcome.pollingInvocations !== checks) {
    throw new Error(`${checks} function calls but ${outcome.pollingInvocations} Task entries`);
  }
  return { ...outcome, checks, detectedAtMs, wokenChecks: 0 };
}

function count(entered: readonly EnteredState[], functionStates: ReadonlySet<string>) {
  return {
    transitions: entered.length,
    itemTransitions: entered.filter((state) => state.inItem).length,
    pollingInvocations: entered.filter((state) => functionStates.has(state.name)).length,
  };
}

/** DescribeImages' answer for the AMI at `nowMs`, with a snapshot as AmiAvailable lists them. */
function describedImage(ami: SimulatedAmi, nowMs: number) {
  return {
    ImageId: ami.imageId,
    State: ami.stateAt(nowMs),
    BlockDeviceMappings: [
      {
        DeviceName: '/dev/xvda',
        Ebs: { SnapshotId: `snap-${ami.imageId.slice(4)}`, VolumeSize: 8 },
      },
    ],
  };
}
