import { SfnApiError } from './sfn-api-error';
import type { StepFunctionsOptions } from './step-functions';
import {
  type ExecutionRecord,
  type ExecutionStatus,
  loadExecutions,
  saveExecutions,
} from './store';

export type ExecutionOutcome = Partial<ExecutionRecord> & { status: ExecutionStatus };

/**
 * The executions StartExecution made, persisted to the state file at every start and end. The
 * child executions of distributed Maps are not here: see map-runs.ts.
 */
export function openExecutions(
  options: Pick<StepFunctionsOptions, 'stateFile' | 'runningAtRestart'>,
  now: () => Date,
) {
  const executions = new Map<string, ExecutionRecord>();
  const persist = () => {
    if (options.stateFile) saveExecutions(options.stateFile, [...executions.values()]);
  };
  for (const record of options.stateFile ? loadExecutions(options.stateFile) : []) {
    const abort = record.status === 'RUNNING' && (options.runningAtRestart ?? 'abort') === 'abort';
    executions.set(record.executionArn, abort ? abortedByRestart(record, now) : record);
  }
  persist();

  return {
    get: (executionArn: string): ExecutionRecord | undefined => executions.get(executionArn),
    all: (): ExecutionRecord[] => [...executions.values()],

    /**
     * The record of a new execution, RUNNING; or, as AWS for Standard workflows, the RUNNING
     * execution of that name and input (the same request again). A closed execution of that name
     * or a different input is a conflict.
     */
    open(request: Pick<ExecutionRecord, 'executionArn' | 'stateMachineArn' | 'name' | 'input'>): {
      record: ExecutionRecord;
      isNew: boolean;
    } {
      const existing = executions.get(request.executionArn);
      if (existing) {
        if (existing.status === 'RUNNING' && existing.input === request.input) {
          return { record: existing, isNew: false };
        }
        throw new SfnApiError(
          'ExecutionAlreadyExists',
          `Execution Already Exists: '${request.executionArn}'`,
        );
      }
      const record: ExecutionRecord = {
        executionArn: request.executionArn,
        stateMachineArn: request.stateMachineArn,
        name: request.name,
        status: 'RUNNING',
        startDate: now().toISOString(),
        input: request.input,
      };
      executions.set(record.executionArn, record);
      persist();
      return { record, isNew: true };
    },

    /** Closes a RUNNING execution; one already closed keeps its first outcome. */
    finish(executionArn: string, outcome: ExecutionOutcome): void {
      const record = executions.get(executionArn);
      if (record?.status !== 'RUNNING') return;
      executions.set(executionArn, { ...record, ...outcome, stopDate: now().toISOString() });
      persist();
    },
  };
}

export type Executions = ReturnType<typeof openExecutions>;

function abortedByRestart(record: ExecutionRecord, now: () => Date): ExecutionRecord {
  return {
    ...record,
    status: 'ABORTED',
    stopDate: now().toISOString(),
    error: 'LocalCloud.Restarted',
    cause: 'The local cloud stopped while this execution was running.',
  };
}
