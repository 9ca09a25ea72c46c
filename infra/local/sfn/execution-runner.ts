import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  type StateMachine,
} from 'aws-local-stepfunctions';
import type { createCallbacks } from './callbacks';
import type { ExecutionOutcome, Executions } from './executions';
import { createHistoryRecorder, type EngineEvent, ExecutionHistory } from './history';
import { type ChildExecutionStore, mapRunsOf } from './map-runs';
import { createRerunKeys, type RerunKeys } from './rerun-keys';
import { CALLBACK_SUFFIX, type CompiledStateMachine, type RegisteredTask } from './state-machines';
import type { StepFunctionsOptions, TaskContext, TaskHandler } from './step-functions';
import type { ExecutionRecord } from './store';

type Callbacks = ReturnType<typeof createCallbacks>;
type RunOptions = NonNullable<Parameters<StateMachine['run']>[1]>;

interface RunnerDependencies {
  readonly options: StepFunctionsOptions;
  readonly now: () => Date;
  readonly callbacks: Callbacks;
  readonly executions: Executions;
  readonly childExecutions: ChildExecutionStore;
  /** Every execution's history by ARN, the children's included, for GetExecutionHistory. */
  readonly histories: Map<string, ExecutionHistory>;
}

/** Runs executions on aws-local-stepfunctions, recording their history and their outcome. */
export function createExecutionRunner(dependencies: RunnerDependencies) {
  const { now, callbacks, executions, childExecutions, histories } = dependencies;
  const running = new Map<string, { abort: () => void; done: Promise<void> }>();
  let closing = false;

  /** Records the execution's events until it ends; children still running then are aborted. */
  async function recordHistory(
    compiled: CompiledStateMachine,
    record: ExecutionRecord,
    events: AsyncGenerator<EngineEvent>,
  ): Promise<void> {
    const history = new ExecutionHistory(now);
    histories.set(record.executionArn, history);
    const children = mapRunsOf(compiled, childExecutions);
    const recordEvent = createHistoryRecorder({
      history,
      states: compiled.states,
      region: compiled.spec.arn.split(':')[3] ?? '',
      children,
      ...(compiled.spec.roleArn ? { roleArn: compiled.spec.roleArn } : {}),
    });
    for await (const event of events) recordEvent(event);
    childExecutions.abortRunning(children.started);
  }

  return {
    run(compiled: CompiledStateMachine, record: ExecutionRecord): void {
      const execution = compiled.machine.run(
        JSON.parse(record.input),
        runOptions(compiled, record, dependencies),
      );
      const recorded = recordHistory(compiled, record, execution.eventLogs);
      const settled = execution.result.then(
        (output) =>
          executions.finish(record.executionArn, {
            status: 'SUCCEEDED',
            output: JSON.stringify(output),
          }),
        (error: unknown) => {
          if (closing) return;
          executions.finish(record.executionArn, failure(error));
        },
      );
      // Idle means the history is complete too: the engine closes its log as an execution ends.
      const done = Promise.all([settled, recorded]).then(() => undefined);
      running.set(record.executionArn, {
        abort: execution.abort,
        done: done.finally(() => running.delete(record.executionArn)),
      });
    },

    isRunning: (executionArn: string): boolean => running.has(executionArn),

    abort(executionArn: string): void {
      running.get(executionArn)?.abort();
    },

    async whenIdle(): Promise<void> {
      while (running.size > 0) await Promise.all([...running.values()].map((entry) => entry.done));
    },

    /** Stops running executions in memory; their records stay RUNNING. */
    async close(): Promise<void> {
      closing = true;
      callbacks.close();
      for (const entry of running.values()) entry.abort();
      await Promise.all([...running.values()].map((entry) => entry.done));
    },
  };
}

/** The engine's overrides (local Task handlers, scaled Waits and Retries) and context object. */
function runOptions(
  compiled: CompiledStateMachine,
  record: ExecutionRecord,
  { options, now, callbacks }: RunnerDependencies,
): RunOptions {
  const { retryIntervalMs } = options;
  const rerunKeys = createRerunKeys(record.executionArn);
  return {
    overrides: {
      taskResourceLocalHandlers: Object.fromEntries(
        compiled.tasks.map((task) => [
          task.stateName,
          localTaskHandler(
            task,
            compiled.states.get(task.stateName)?.Parameters,
            { record, rerunKeys, callbacks },
            options.taskHandlers[task.resource] as TaskHandler,
          ),
        ]),
      ),
      waitTimeOverrides: compiled.waitTimeOverrides,
      ...(retryIntervalMs === undefined
        ? {}
        : {
            retryIntervalOverrides: Object.fromEntries(
              compiled.tasks.map(({ stateName }) => [stateName, retryIntervalMs]),
            ),
          }),
    },
    context: {
      Execution: { Id: record.executionArn, Name: record.name, StartTime: record.startDate },
      // Published events take their timestamps from the state's entry time.
      State: {
        get EnteredTime() {
          return now().toISOString();
        },
      },
      StateMachine: { Id: compiled.spec.arn, Name: compiled.spec.name },
      // Read by a callback Task's payload template: a new token each time.
      Task: {
        get Token() {
          return callbacks.issueToken();
        },
      },
    },
  };
}

/**
 * What the engine calls for one Task state: its handler, given the call's key for reruns; for a
 * callback Task, then its token.
 */
function localTaskHandler(
  { stateName, resource, callbackTimeoutMs }: RegisteredTask,
  parameters: unknown,
  run: { record: ExecutionRecord; rerunKeys: RerunKeys; callbacks: Callbacks },
  handler: TaskHandler,
): (input: unknown) => Promise<never> {
  const { record, rerunKeys, callbacks } = run;
  const call = async (input: unknown) => {
    const { key, release } = rerunKeys.claim(stateName, parameters, input);
    const context: TaskContext = {
      stateName,
      resource,
      executionArn: record.executionArn,
      idempotencyKey: key,
    };
    try {
      return await handler(input, context);
    } catch (error) {
      release();
      throw error;
    }
  };
  if (!resource.endsWith(CALLBACK_SUFFIX)) return async (input) => (await call(input)) as never;
  // The handler makes the call (e.g. stores the token); the Task then waits for its token.
  return async (input) => {
    // Its timeout may fire while the call is under way; callbacks.ts keeps that rejection
    // from counting as unhandled until it is read below.
    const callback = callbacks.await(input, callbackTimeoutMs);
    try {
      await call(input);
    } catch (error) {
      callback.cancel();
      throw error;
    }
    return (await callback.result) as never;
  };
}

/** The status, error and cause of an execution the engine ended with `error`. */
function failure(error: unknown): ExecutionOutcome {
  if (error instanceof ExecutionTimeoutError) {
    return { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'The execution timed out.' };
  }
  if (error instanceof ExecutionAbortedError) return { status: 'ABORTED' };
  const cause =
    error instanceof ExecutionError ? (error.cause as Error | undefined) : (error as Error);
  return {
    status: 'FAILED',
    error: cause?.name ?? 'States.Runtime',
    cause: cause?.message ?? String(error),
  };
}
