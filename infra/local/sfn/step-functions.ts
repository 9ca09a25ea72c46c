import { randomUUID } from 'node:crypto';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
} from 'aws-local-stepfunctions';
import { createCallbacks } from './callbacks';
import {
  type AslDefinition,
  type AslState,
  collectStates,
  StateMachineDefinitionError,
} from './definition';
import { isValidExecutionName } from './execution-name';
import {
  type ChildExecutions,
  createHistoryRecorder,
  ExecutionHistory,
  type HistoryEvent,
} from './history';
import { decodePageToken, encodePageToken } from './page-token';
import { SfnApiError } from './sfn-api-error';
import {
  type ExecutionRecord,
  type ExecutionStatus,
  loadExecutions,
  saveExecutions,
} from './store';

/**
 * Answers one Task resource (e.g. `arn:aws:states:::aws-sdk:ec2:describeImages`) with the state's
 * effective input (after InputPath and Parameters). To fail the task with a named error that
 * `Retry`/`Catch` can match, throw an Error whose `name` is the error name (e.g. `Ec2.Ec2Exception`)
 * and whose `message` is the cause.
 */
export type TaskHandler = (input: unknown, context: TaskContext) => Promise<unknown> | unknown;

export interface TaskContext {
  readonly stateName: string;
  readonly resource: string;
  readonly executionArn: string;
}

export interface StateMachineSpec {
  readonly arn: string;
  readonly name: string;
  readonly definition: AslDefinition;
  /** The template's execution role, as DescribeStateMachine shows it. */
  readonly roleArn?: string;
  /** Default STANDARD. Both types run the same way locally. */
  readonly type?: 'STANDARD' | 'EXPRESS';
}

/** A registered state machine, as ListStateMachines and DescribeStateMachine show it. */
export interface RegisteredStateMachine extends StateMachineSpec {
  /** ISO-8601: when it was registered. */
  readonly creationDate: string;
}

export interface ExecutionHistoryOptions {
  readonly maxResults?: number;
  readonly nextToken?: string;
  readonly reverseOrder?: boolean;
}

export interface StepFunctionsOptions {
  /** Task resource ARN → handler. Every Task of a registered machine must have one. */
  readonly taskHandlers: Readonly<Record<string, TaskHandler>>;
  /**
   * Multiplies every `Wait` with `Seconds` (60 s × 0.01 = 600 ms), and the `TimeoutSeconds` of
   * every callback (`.waitForTaskToken`) Task. Default 1.
   */
  readonly waitScale?: number;
  /** Pause of a named Wait state in ms, for states `waitScale` cannot reach (`SecondsPath`, `Timestamp*`). */
  readonly waitOverridesMs?: Readonly<Record<string, number>>;
  /** Pause before each `Retry` in ms, instead of `IntervalSeconds` × `BackoffRate`. Default: the definition's. */
  readonly retryIntervalMs?: number;
  /** JSON file holding the executions, so history survives a restart. */
  readonly stateFile?: string;
  /**
   * What happens to executions persisted as RUNNING when the file is loaded: `abort` marks them
   * ABORTED (error `LocalCloud.Restarted`); `rerun` runs them again from the start, with the same
   * name, arn and input, once their state machine is registered. Default `abort`.
   */
  readonly runningAtRestart?: 'abort' | 'rerun';
  readonly now?: () => Date;
}

export interface StartExecutionResult {
  readonly executionArn: string;
  readonly startDate: Date;
}

export interface ListExecutionsOptions {
  /** The state machine's executions; or `mapRunArn`: a distributed Map's child executions. */
  readonly stateMachineArn?: string;
  readonly mapRunArn?: string;
  readonly statusFilter?: ExecutionStatus;
  readonly maxResults?: number;
  readonly nextToken?: string;
}

export interface StepFunctions {
  /** Validates the definition (asl-validator) and checks every Task resource has a handler. */
  registerStateMachine(spec: StateMachineSpec): void;
  listStateMachines(): readonly RegisteredStateMachine[];
  describeStateMachine(stateMachineArn: string): RegisteredStateMachine;
  startExecution(request: {
    stateMachineArn: string;
    name?: string;
    input?: string;
  }): StartExecutionResult;
  describeExecution(executionArn: string): ExecutionRecord;
  listExecutions(options: ListExecutionsOptions): {
    executions: ExecutionRecord[];
    nextToken?: string;
  };
  stopExecution(executionArn: string, error?: string, cause?: string): { stopDate: Date };
  /**
   * The execution's events, oldest first. Kept in memory: an execution from before a restart
   * shows only its start and its end.
   */
  getExecutionHistory(
    executionArn: string,
    options?: ExecutionHistoryOptions,
  ): { events: HistoryEvent[]; nextToken?: string };
  /** Ends the callback Task waiting with this token: it succeeds with `output` (JSON text). */
  sendTaskSuccess(taskToken: string, output: string): void;
  /** Ends the callback Task waiting with this token: it fails with `error` (or States.TaskFailed). */
  sendTaskFailure(taskToken: string, error?: string, cause?: string): void;
  /** Resolves once no execution is running. */
  whenIdle(): Promise<void>;
  /** Stops running executions in memory; they stay RUNNING in the state file for the next start. */
  close(): Promise<void>;
}

interface RegisteredTask {
  readonly stateName: string;
  readonly resource: string;
  /** For a callback Task: how long it waits for its token, scaled; undefined = no limit of ours. */
  readonly callbackTimeoutMs?: number;
}

interface Registered {
  readonly spec: RegisteredStateMachine;
  readonly states: ReadonlyMap<string, AslState>;
  readonly machine: StateMachine;
  readonly waitTimeOverrides: Record<string, number>;
  readonly tasks: readonly RegisteredTask[];
}

const CALLBACK_SUFFIX = '.waitForTaskToken';

const STATE_MACHINE_ARN = /^arn:aws[\w-]*:states:[^:]+:\d{12}:stateMachine:[^:]+$/;
const EXECUTION_ARN = /^arn:aws[\w-]*:states:[^:]+:\d{12}:execution:[^:]+:[^:]+$/;

export function createStepFunctions(options: StepFunctionsOptions): StepFunctions {
  const now = options.now ?? (() => new Date());
  const machines = new Map<string, Registered>();
  const executions = new Map<string, ExecutionRecord>();
  const running = new Map<string, { abort: () => void; done: Promise<void> }>();
  const histories = new Map<string, ExecutionHistory>();
  // The child executions of distributed Maps: listed by their Map Run, never persisted (a rerun
  // starts its Map anew).
  const childRecords = new Map<string, ExecutionRecord>();
  const region = (arn: string) => arn.split(':')[3] ?? '';
  let closing = false;
  const callbacks = createCallbacks();

  for (const record of options.stateFile ? loadExecutions(options.stateFile) : []) {
    if (record.status === 'RUNNING' && (options.runningAtRestart ?? 'abort') === 'abort') {
      executions.set(record.executionArn, {
        ...record,
        status: 'ABORTED',
        stopDate: now().toISOString(),
        error: 'LocalCloud.Restarted',
        cause: 'The local cloud stopped while this execution was running.',
      });
    } else {
      executions.set(record.executionArn, record);
    }
  }
  persist();

  function persist(): void {
    if (options.stateFile) saveExecutions(options.stateFile, [...executions.values()]);
  }

  function finish(
    arn: string,
    update: Partial<ExecutionRecord> & { status: ExecutionStatus },
  ): void {
    const record = executions.get(arn);
    if (record?.status !== 'RUNNING') return;
    executions.set(arn, { ...record, ...update, stopDate: now().toISOString() });
    persist();
  }

  /** The distributed Maps' Map Runs and child executions of one execution. */
  function childExecutionsOf(
    registered: Registered,
  ): ChildExecutions & { readonly started: readonly string[] } {
    const started: string[] = [];
    const runs = new Map<string, { mapRunArn: string; prefix: string; byIndex: string[] }>();
    const { arn, name } = registered.spec;
    const runOf = (mapState: string) => {
      let mapRun = runs.get(mapState);
      if (!mapRun) {
        const label = registered.states.get(mapState)?.Label ?? mapState;
        const base = arn.slice(0, arn.indexOf(':stateMachine:'));
        mapRun = {
          mapRunArn: `${base}:mapRun:${name}/${label}:${randomUUID()}`,
          prefix: `${base}:execution:${name}/${label}`,
          byIndex: [],
        };
        runs.set(mapState, mapRun);
      }
      return mapRun;
    };
    return {
      started,
      mapRunArn: (mapState) => {
        runs.delete(mapState);
        return runOf(mapState).mapRunArn;
      },
      start(mapState, index, input) {
        const mapRun = runOf(mapState);
        const childName = randomUUID();
        const executionArn = `${mapRun.prefix}:${childName}`;
        mapRun.byIndex[index] = executionArn;
        started.push(executionArn);
        childRecords.set(executionArn, {
          executionArn,
          stateMachineArn: mapRun.prefix.replace(':execution:', ':stateMachine:'),
          name: childName,
          status: 'RUNNING',
          startDate: now().toISOString(),
          input: JSON.stringify(input ?? null),
          mapRunArn: mapRun.mapRunArn,
        });
        const history = new ExecutionHistory(now);
        histories.set(executionArn, history);
        return history;
      },
      end(mapState, index, outcome) {
        const executionArn = runs.get(mapState)?.byIndex[index];
        const child = executionArn ? childRecords.get(executionArn) : undefined;
        if (!executionArn || child?.status !== 'RUNNING') return;
        childRecords.set(executionArn, {
          ...child,
          stopDate: now().toISOString(),
          ...(outcome.status === 'SUCCEEDED'
            ? { status: 'SUCCEEDED', output: JSON.stringify(outcome.output ?? null) }
            : { status: 'FAILED', error: outcome.error, cause: outcome.cause }),
        });
      },
    };
  }

  /** Records the execution's events until it ends; children still running then are aborted. */
  async function recordHistory(
    registered: Registered,
    record: ExecutionRecord,
    events: AsyncGenerator<Parameters<ReturnType<typeof createHistoryRecorder>>[0]>,
  ): Promise<void> {
    const history = new ExecutionHistory(now);
    histories.set(record.executionArn, history);
    const children = childExecutionsOf(registered);
    const recordEvent = createHistoryRecorder({
      history,
      states: registered.states,
      region: region(registered.spec.arn),
      children,
      ...(registered.spec.roleArn ? { roleArn: registered.spec.roleArn } : {}),
    });
    for await (const event of events) recordEvent(event);
    for (const executionArn of children.started) {
      const child = childRecords.get(executionArn);
      if (child?.status === 'RUNNING') {
        childRecords.set(executionArn, {
          ...child,
          status: 'ABORTED',
          stopDate: now().toISOString(),
        });
      }
    }
  }

  function run(registered: Registered, record: ExecutionRecord): void {
    const taskResourceLocalHandlers = Object.fromEntries(
      registered.tasks.map(({ stateName, resource, callbackTimeoutMs }) => {
        const handler = options.taskHandlers[resource] as TaskHandler;
        const context: TaskContext = { stateName, resource, executionArn: record.executionArn };
        if (!resource.endsWith(CALLBACK_SUFFIX)) {
          return [stateName, async (input: unknown) => (await handler(input, context)) as never];
        }
        // The handler makes the call (e.g. stores the token); the Task then waits for its token.
        return [
          stateName,
          async (input: unknown) => {
            // Its timeout may fire while the call is under way; callbacks.ts keeps that rejection
            // from counting as unhandled until it is read below.
            const callback = callbacks.await(input, callbackTimeoutMs);
            try {
              await handler(input, context);
            } catch (error) {
              callback.cancel();
              throw error;
            }
            return (await callback.result) as never;
          },
        ];
      }),
    );
    const execution = registered.machine.run(JSON.parse(record.input), {
      overrides: {
        taskResourceLocalHandlers,
        waitTimeOverrides: registered.waitTimeOverrides,
        ...(options.retryIntervalMs === undefined
          ? {}
          : {
              retryIntervalOverrides: Object.fromEntries(
                registered.tasks.map(({ stateName }) => [
                  stateName,
                  options.retryIntervalMs as number,
                ]),
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
        StateMachine: { Id: registered.spec.arn, Name: registered.spec.name },
        // Read by a callback Task's payload template: a new token each time.
        Task: {
          get Token() {
            return callbacks.issueToken();
          },
        },
      },
    });
    const recorded = recordHistory(registered, record, execution.eventLogs);
    const settled = execution.result.then(
      (output) =>
        finish(record.executionArn, { status: 'SUCCEEDED', output: JSON.stringify(output) }),
      (error: unknown) => {
        if (closing) return;
        finish(record.executionArn, failure(error));
      },
    );
    // Idle means the history is complete too: the engine closes its log as an execution ends.
    const done = Promise.all([settled, recorded]).then(() => undefined);
    running.set(record.executionArn, {
      abort: execution.abort,
      done: done.finally(() => running.delete(record.executionArn)),
    });
  }

  function getExecution(executionArn: string): ExecutionRecord {
    if (!EXECUTION_ARN.test(executionArn))
      throw new SfnApiError('InvalidArn', `Invalid Arn: '${executionArn}'`);
    const record = executions.get(executionArn) ?? childRecords.get(executionArn);
    if (!record)
      throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return record;
  }

  return {
    registerStateMachine(spec) {
      let machine: StateMachine;
      let states: ReturnType<typeof collectStates>;
      try {
        states = collectStates(spec.definition);
        machine = new StateMachine(spec.definition as never, {
          validationOptions: { checkArn: false },
        });
      } catch (error) {
        throw new StateMachineDefinitionError(`${spec.name}: ${(error as Error).message}`);
      }
      const tasks: RegisteredTask[] = [];
      const waitTimeOverrides: Record<string, number> = {};
      const missing: string[] = [];
      for (const [name, state] of states) {
        if (state.Type === 'Task') {
          const resource = String(state.Resource);
          if (!Object.hasOwn(options.taskHandlers, resource)) missing.push(`${name} (${resource})`);
          const timeout = state.TimeoutSeconds;
          tasks.push({
            stateName: name,
            resource,
            ...(resource.endsWith(CALLBACK_SUFFIX) && typeof timeout === 'number'
              ? { callbackTimeoutMs: Math.round(timeout * 1_000 * (options.waitScale ?? 1)) }
              : {}),
          });
        } else if (state.Type === 'Wait') {
          const override = options.waitOverridesMs?.[name];
          if (override !== undefined) waitTimeOverrides[name] = override;
          else if (typeof state.Seconds === 'number') {
            waitTimeOverrides[name] = Math.round(state.Seconds * 1_000 * (options.waitScale ?? 1));
          }
        }
      }
      // Without a handler aws-local-stepfunctions would invoke the resource as a real Lambda
      // function in a real account; refusing the machine here is the only safe answer.
      if (missing.length > 0) {
        throw new StateMachineDefinitionError(
          `${spec.name}: no local handler for Task state(s) ${missing.join(', ')}`,
        );
      }
      const registered: Registered = {
        spec: { ...spec, creationDate: now().toISOString() },
        states,
        machine,
        waitTimeOverrides,
        tasks,
      };
      machines.set(spec.arn, registered);
      for (const record of executions.values()) {
        if (
          record.stateMachineArn === spec.arn &&
          record.status === 'RUNNING' &&
          !running.has(record.executionArn)
        ) {
          run(registered, record);
        }
      }
    },

    listStateMachines: () => [...machines.values()].map((registered) => registered.spec),

    describeStateMachine(stateMachineArn) {
      if (!STATE_MACHINE_ARN.test(stateMachineArn)) {
        throw new SfnApiError('InvalidArn', `Invalid Arn: '${stateMachineArn}'`);
      }
      const registered = machines.get(stateMachineArn);
      if (!registered) {
        throw new SfnApiError(
          'StateMachineDoesNotExist',
          `State Machine Does Not Exist: '${stateMachineArn}'`,
        );
      }
      return registered.spec;
    },

    startExecution({ stateMachineArn, name = randomUUID(), input = '{}' }) {
      if (!STATE_MACHINE_ARN.test(stateMachineArn)) {
        throw new SfnApiError('InvalidArn', `Invalid Arn: '${stateMachineArn}'`);
      }
      const registered = machines.get(stateMachineArn);
      if (!registered) {
        throw new SfnApiError(
          'StateMachineDoesNotExist',
          `State Machine Does Not Exist: '${stateMachineArn}'`,
        );
      }
      if (!isValidExecutionName(name))
        throw new SfnApiError('InvalidName', `Invalid Name: '${name}'`);
      try {
        JSON.parse(input);
      } catch {
        throw new SfnApiError(
          'InvalidExecutionInput',
          'Invalid State Machine Execution Input: input is not valid JSON',
        );
      }
      const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
      const existing = executions.get(executionArn);
      if (existing) {
        // As AWS for Standard workflows: the same name and input as a RUNNING execution is the
        // same request again; a closed execution or a different input is a conflict.
        if (existing.status === 'RUNNING' && existing.input === input) {
          return { executionArn, startDate: new Date(existing.startDate) };
        }
        throw new SfnApiError(
          'ExecutionAlreadyExists',
          `Execution Already Exists: '${executionArn}'`,
        );
      }
      const record: ExecutionRecord = {
        executionArn,
        stateMachineArn,
        name,
        status: 'RUNNING',
        startDate: now().toISOString(),
        input,
      };
      executions.set(executionArn, record);
      persist();
      run(registered, record);
      return { executionArn, startDate: new Date(record.startDate) };
    },

    describeExecution: getExecution,

    listExecutions({ stateMachineArn, mapRunArn, statusFilter, maxResults, nextToken }) {
      if ((stateMachineArn === undefined) === (mapRunArn === undefined)) {
        throw new SfnApiError(
          'ValidationException',
          'Exactly one of stateMachineArn and mapRunArn must be given.',
        );
      }
      if (mapRunArn !== undefined) {
        const matching = [...childRecords.values()].filter(
          (record) =>
            record.mapRunArn === mapRunArn &&
            (statusFilter === undefined || record.status === statusFilter),
        );
        if (
          !matching.length &&
          ![...childRecords.values()].some((c) => c.mapRunArn === mapRunArn)
        ) {
          throw new SfnApiError('ResourceNotFound', `Map Run Does Not Exist: '${mapRunArn}'`);
        }
        return paginate(sortNewestFirst(matching), maxResults, nextToken, 'executions');
      }
      if (!STATE_MACHINE_ARN.test(stateMachineArn ?? '')) {
        throw new SfnApiError('InvalidArn', `Invalid Arn: '${stateMachineArn}'`);
      }
      if (!machines.has(stateMachineArn ?? '')) {
        throw new SfnApiError(
          'StateMachineDoesNotExist',
          `State Machine Does Not Exist: '${stateMachineArn}'`,
        );
      }
      const matching = [...executions.values()]
        .filter((record) => record.stateMachineArn === stateMachineArn)
        .filter((record) => statusFilter === undefined || record.status === statusFilter);
      return paginate(sortNewestFirst(matching), maxResults, nextToken, 'executions');
    },

    getExecutionHistory(executionArn, { maxResults, nextToken, reverseOrder } = {}) {
      const record = getExecution(executionArn);
      const events = histories.get(executionArn)?.events ?? restoredHistory(record);
      const ordered = reverseOrder ? [...events].reverse() : events;
      return paginate(ordered, maxResults, nextToken, 'events');
    },

    stopExecution(executionArn, error, cause) {
      const record = getExecution(executionArn);
      if (record.status === 'RUNNING') {
        finish(executionArn, {
          status: 'ABORTED',
          ...(error === undefined ? {} : { error }),
          ...(cause === undefined ? {} : { cause }),
        });
        running.get(executionArn)?.abort();
      }
      return { stopDate: new Date(getExecution(executionArn).stopDate ?? now().toISOString()) };
    },

    sendTaskSuccess(taskToken, output) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(output);
      } catch {
        throw new SfnApiError('InvalidOutput', 'Invalid Output: output is not valid JSON');
      }
      callbacks.succeed(taskToken, parsed);
    },

    sendTaskFailure(taskToken, error, cause) {
      const failure = new Error(cause ?? '');
      failure.name = error ?? 'States.TaskFailed';
      callbacks.fail(taskToken, failure);
    },

    async whenIdle() {
      while (running.size > 0) await Promise.all([...running.values()].map((entry) => entry.done));
    },

    async close() {
      closing = true;
      callbacks.close();
      for (const entry of running.values()) entry.abort();
      await Promise.all([...running.values()].map((entry) => entry.done));
    },
  };
}

function failure(error: unknown): Partial<ExecutionRecord> & { status: ExecutionStatus } {
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

function sortNewestFirst(records: ExecutionRecord[]): ExecutionRecord[] {
  return records.sort(
    (a, b) => b.startDate.localeCompare(a.startDate) || b.name.localeCompare(a.name),
  );
}

/** One page of `items` (100 by default, as AWS), with an opaque token for the next. */
function paginate<Key extends string, Item>(
  items: readonly Item[],
  maxResults: number | undefined,
  nextToken: string | undefined,
  key: Key,
): { [K in Key]: Item[] } & { nextToken?: string } {
  const pageSize = maxResults && maxResults > 0 ? maxResults : 100;
  const offset = nextToken === undefined ? 0 : decodePageToken(nextToken);
  const page = items.slice(offset, offset + pageSize);
  const next = offset + pageSize < items.length ? encodePageToken(offset + pageSize) : undefined;
  return { [key]: page, ...(next === undefined ? {} : { nextToken: next }) } as {
    [K in Key]: Item[];
  } & { nextToken?: string };
}

/** The history of an execution whose events were not recorded (it ran before a restart). */
function restoredHistory(record: ExecutionRecord): HistoryEvent[] {
  const started: HistoryEvent = {
    id: 1,
    previousEventId: 0,
    timestamp: record.startDate,
    type: 'ExecutionStarted',
    details: {
      executionStartedEventDetails: { input: record.input, inputDetails: { truncated: false } },
    },
  };
  if (record.status === 'RUNNING' || record.stopDate === undefined) return [started];
  const ended = (type: string, details: Record<string, unknown>): HistoryEvent => ({
    id: 2,
    previousEventId: 1,
    timestamp: record.stopDate as string,
    type,
    details,
  });
  const failure = {
    ...(record.error === undefined ? {} : { error: record.error }),
    ...(record.cause === undefined ? {} : { cause: record.cause }),
  };
  switch (record.status) {
    case 'SUCCEEDED':
      return [
        started,
        ended('ExecutionSucceeded', {
          executionSucceededEventDetails: {
            output: record.output ?? 'null',
            outputDetails: { truncated: false },
          },
        }),
      ];
    case 'FAILED':
      return [started, ended('ExecutionFailed', { executionFailedEventDetails: failure })];
    case 'TIMED_OUT':
      return [started, ended('ExecutionTimedOut', { executionTimedOutEventDetails: failure })];
    default:
      return [started, ended('ExecutionAborted', { executionAbortedEventDetails: failure })];
  }
}
