import { randomUUID } from 'node:crypto';
import { createCallbacks } from './callbacks';
import type { AslDefinition } from './definition';
import { createExecutionInspection } from './execution-inspection';
import { isValidExecutionName } from './execution-name';
import { createExecutionRunner } from './execution-runner';
import { openExecutions } from './executions';
import type { ExecutionHistory, HistoryEvent } from './history';
import { createChildExecutionStore } from './map-runs';
import { SfnApiError } from './sfn-api-error';
import { compileStateMachine, createStateMachineRegistry } from './state-machines';
import type { ExecutionRecord, ExecutionStatus } from './store';

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
  /**
   * The same for this call in a rerun of the execution after a restart, and for no other call
   * (see rerun-keys.ts): a Task with an effect outside Step Functions (a publication) makes it
   * once for a key.
   */
  readonly idempotencyKey: string;
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
  /** Where digests of definitions that passed validation are kept for the next start. */
  readonly validatedDefinitionsDir?: string;
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

/** A Map Run as ListMapRuns lists it. */
export interface MapRunSummary {
  readonly executionArn: string;
  readonly mapRunArn: string;
  /** The state machine its items run as: `<state machine ARN>/<Map label>`. */
  readonly stateMachineArn: string;
  readonly startDate: string;
  readonly stopDate?: string;
}

/** A Map Run's items (or child executions) by status, as DescribeMapRun counts them. */
export interface MapRunCounts {
  readonly pending: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly aborted: number;
  readonly total: number;
  readonly resultsWritten: number;
}

/** A Map Run as DescribeMapRun describes it. */
export interface MapRunDescription extends MapRunSummary {
  readonly status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  readonly maxConcurrency: number;
  readonly toleratedFailurePercentage: number;
  readonly toleratedFailureCount: number;
  readonly itemCounts: MapRunCounts;
  readonly executionCounts: MapRunCounts;
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
  /**
   * The execution's distributed Map runs, newest first, as its history records them: none for an
   * execution from before a restart, whose history shows only its start and its end.
   */
  listMapRuns(
    executionArn: string,
    options?: { maxResults?: number; nextToken?: string },
  ): { mapRuns: MapRunSummary[]; nextToken?: string };
  /** A Map Run of an execution this start ran (`ResourceNotFound` for one from before it). */
  describeMapRun(mapRunArn: string): MapRunDescription;
  /** Ends the callback Task waiting with this token: it succeeds with `output` (JSON text). */
  sendTaskSuccess(taskToken: string, output: string): void;
  /** Ends the callback Task waiting with this token: it fails with `error` (or States.TaskFailed). */
  sendTaskFailure(taskToken: string, error?: string, cause?: string): void;
  /** Resolves once no execution is running. */
  whenIdle(): Promise<void>;
  /** Stops running executions in memory; they stay RUNNING in the state file for the next start. */
  close(): Promise<void>;
}

export function createStepFunctions(options: StepFunctionsOptions): StepFunctions {
  const now = options.now ?? (() => new Date());
  const machines = createStateMachineRegistry();
  const executions = openExecutions(options, now);
  // Every execution's history, the Map Runs' children's included; kept in memory only.
  const histories = new Map<string, ExecutionHistory>();
  const childExecutions = createChildExecutionStore(now, histories);
  const callbacks = createCallbacks();
  const runner = createExecutionRunner({
    options,
    now,
    callbacks,
    executions,
    childExecutions,
    histories,
  });
  const inspection = createExecutionInspection({
    machines,
    executions,
    childExecutions,
    histories,
  });

  return {
    registerStateMachine(spec) {
      const compiled = compileStateMachine(spec, options, now().toISOString());
      machines.add(compiled);
      // Executions persisted as RUNNING (`runningAtRestart: 'rerun'`) run again once their
      // machine is back.
      for (const record of executions.all()) {
        if (
          record.stateMachineArn === spec.arn &&
          record.status === 'RUNNING' &&
          !runner.isRunning(record.executionArn)
        ) {
          runner.run(compiled, record);
        }
      }
    },

    listStateMachines: machines.list,
    describeStateMachine: (stateMachineArn) => machines.get(stateMachineArn).spec,

    startExecution({ stateMachineArn, name = randomUUID(), input = '{}' }) {
      const compiled = machines.get(stateMachineArn);
      validateExecutionRequest(name, input);
      const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
      const { record, isNew } = executions.open({ executionArn, stateMachineArn, name, input });
      if (isNew) runner.run(compiled, record);
      return { executionArn, startDate: new Date(record.startDate) };
    },

    ...inspection,

    stopExecution(executionArn, error, cause) {
      const record = inspection.describeExecution(executionArn);
      if (record.status === 'RUNNING') {
        executions.finish(executionArn, {
          status: 'ABORTED',
          ...(error === undefined ? {} : { error }),
          ...(cause === undefined ? {} : { cause }),
        });
        runner.abort(executionArn);
      }
      const { stopDate } = inspection.describeExecution(executionArn);
      return { stopDate: new Date(stopDate ?? now().toISOString()) };
    },

    sendTaskSuccess: (taskToken, output) => callbacks.succeed(taskToken, parseTaskOutput(output)),

    sendTaskFailure(taskToken, error, cause) {
      const failure = new Error(cause ?? '');
      failure.name = error ?? 'States.TaskFailed';
      callbacks.fail(taskToken, failure);
    },

    whenIdle: runner.whenIdle,
    close: runner.close,
  };
}

/** StartExecution's checks of the name and input, with AWS's errors. */
function validateExecutionRequest(name: string, input: string): void {
  if (!isValidExecutionName(name)) throw new SfnApiError('InvalidName', `Invalid Name: '${name}'`);
  try {
    JSON.parse(input);
  } catch {
    throw new SfnApiError(
      'InvalidExecutionInput',
      'Invalid State Machine Execution Input: input is not valid JSON',
    );
  }
}

/** SendTaskSuccess's output: JSON text, else `InvalidOutput`. */
function parseTaskOutput(output: string): unknown {
  try {
    return JSON.parse(output);
  } catch {
    throw new SfnApiError('InvalidOutput', 'Invalid Output: output is not valid JSON');
  }
}
