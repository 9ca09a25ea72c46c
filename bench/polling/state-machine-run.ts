import {
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { onVirtualClock } from './virtual-clock';

export type TaskHandlers = NonNullable<
  NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']
>;
type Json = Parameters<StateMachine['run']>[0];

/** A state the execution entered: one state transition, as Step Functions bills them. */
export interface EnteredState {
  readonly name: string;
  /** Inside a Map's item (an iteration or a child execution), not the top level. */
  readonly inItem: boolean;
}

export interface MachineRun {
  readonly output: unknown;
  readonly entered: readonly EnteredState[];
}

/**
 * Runs an ASL definition on aws-local-stepfunctions to its end, on the virtual clock starting at
 * `startMs`, with its Task states answered by local handlers (by state name) and retry pauses of
 * 0 ms. A callback Task's `TimeoutSeconds` runs on the same clock. `onStart` runs once the clock is
 * virtual, to set timers of its own (a wake-up at a given time). `$$.State.EnteredTime` reads the virtual clock: the engine evaluates it when it builds a
 * state's fields, which is at entry here since no time passes except in Waits.
 */
export async function runMachine(
  definition: unknown,
  input: unknown,
  handlers: TaskHandlers,
  startMs: number,
  onStart: () => void = () => {},
): Promise<MachineRun> {
  const machine = new StateMachine(definition as StateMachineDefinition);
  let tokens = 0;
  return onVirtualClock(startMs, async () => {
    onStart();
    const execution = machine.run(input as Json, {
      overrides: {
        taskResourceLocalHandlers: handlers,
        retryIntervalOverrides: Object.fromEntries(Object.keys(handlers).map((name) => [name, 0])),
      },
      context: {
        State: {
          get EnteredTime() {
            return new Date().toISOString();
          },
        },
        // A callback Task's token: a new one each time a payload template reads it.
        Task: {
          get Token() {
            tokens += 1;
            return `token-${tokens}`;
          },
        },
      },
    });
    const output = await execution.result;
    const entered: EnteredState[] = [];
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') {
        entered.push({ name: event.state.name, inItem: event.index !== undefined });
      }
    }
    return { output, entered };
  });
}
