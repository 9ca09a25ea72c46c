import type { Executions } from './executions';
import type { ExecutionHistory, HistoryEvent } from './history';
import { describeMapRun, mapRunsIn } from './map-run-inspection';
import type { ChildExecutionStore } from './map-runs';
import { paginate } from './page-token';
import { restoredHistory } from './restored-history';
import { SfnApiError } from './sfn-api-error';
import type { StateMachineRegistry } from './state-machines';
import type { StepFunctions } from './step-functions';
import type { ExecutionRecord, ExecutionStatus } from './store';

const EXECUTION_ARN = /^arn:aws[\w-]*:states:[^:]+:\d{12}:execution:[^:]+:[^:]+$/;

export interface InspectionSources {
  readonly machines: StateMachineRegistry;
  readonly executions: Executions;
  readonly childExecutions: ChildExecutionStore;
  readonly histories: ReadonlyMap<string, ExecutionHistory>;
}

/**
 * DescribeExecution, ListExecutions, GetExecutionHistory, ListMapRuns and DescribeMapRun, over
 * executions and Map Runs.
 */
export function createExecutionInspection({
  machines,
  executions,
  childExecutions,
  histories,
}: InspectionSources): Pick<
  StepFunctions,
  'describeExecution' | 'listExecutions' | 'getExecutionHistory' | 'listMapRuns' | 'describeMapRun'
> {
  function describeExecution(executionArn: string): ExecutionRecord {
    if (!EXECUTION_ARN.test(executionArn))
      throw new SfnApiError('InvalidArn', `Invalid Arn: '${executionArn}'`);
    const record = executions.get(executionArn) ?? childExecutions.get(executionArn);
    if (!record)
      throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return record;
  }

  /** Its history: recorded by this start, or restored from its record after a restart. */
  function eventsOf(record: ExecutionRecord): readonly HistoryEvent[] {
    return histories.get(record.executionArn)?.events ?? restoredHistory(record);
  }

  function executionsOf(
    stateMachineArn: string,
    statusFilter: ExecutionStatus | undefined,
  ): ExecutionRecord[] {
    machines.get(stateMachineArn); // InvalidArn or StateMachineDoesNotExist
    return executions
      .all()
      .filter((record) => record.stateMachineArn === stateMachineArn)
      .filter((record) => statusFilter === undefined || record.status === statusFilter);
  }

  return {
    describeExecution,

    listExecutions({ stateMachineArn, mapRunArn, statusFilter, maxResults, nextToken }) {
      if ((stateMachineArn === undefined) === (mapRunArn === undefined)) {
        throw new SfnApiError(
          'ValidationException',
          'Exactly one of stateMachineArn and mapRunArn must be given.',
        );
      }
      const matching =
        mapRunArn === undefined
          ? executionsOf(stateMachineArn as string, statusFilter)
          : childExecutions.listByMapRun(mapRunArn, statusFilter);
      return paginate(sortNewestFirst(matching), maxResults, nextToken, 'executions');
    },

    getExecutionHistory(executionArn, { maxResults, nextToken, reverseOrder } = {}) {
      const events = eventsOf(describeExecution(executionArn));
      const ordered = reverseOrder ? [...events].reverse() : events;
      return paginate(ordered, maxResults, nextToken, 'events');
    },

    listMapRuns(executionArn, { maxResults, nextToken } = {}) {
      const record = describeExecution(executionArn);
      const runs = mapRunsIn(record, eventsOf(record)).map(({ status: _, ...summary }) => summary);
      return paginate(runs.reverse(), maxResults, nextToken, 'mapRuns');
    },

    describeMapRun: (mapRunArn) =>
      describeMapRun(mapRunArn, { machines, executions, childExecutions, histories }),
  };
}

function sortNewestFirst(records: ExecutionRecord[]): ExecutionRecord[] {
  return records.sort(
    (a, b) => b.startDate.localeCompare(a.startDate) || b.name.localeCompare(a.name),
  );
}
