import type { Executions } from './executions';
import type { ExecutionHistory, HistoryEvent } from './history';
import type { ChildExecutionStore } from './map-runs';
import { paginate } from './page-token';
import { restoredHistory } from './restored-history';
import { SfnApiError } from './sfn-api-error';
import type { StateMachineRegistry } from './state-machines';
import type { MapRunSummary, StepFunctions } from './step-functions';
import type { ExecutionRecord, ExecutionStatus } from './store';

const EXECUTION_ARN = /^arn:aws[\w-]*:states:[^:]+:\d{12}:execution:[^:]+:[^:]+$/;

interface Sources {
  readonly machines: StateMachineRegistry;
  readonly executions: Executions;
  readonly childExecutions: ChildExecutionStore;
  readonly histories: ReadonlyMap<string, ExecutionHistory>;
}

/**
 * DescribeExecution, ListExecutions, GetExecutionHistory and ListMapRuns, over executions and
 * Map Runs.
 */
export function createExecutionInspection({
  machines,
  executions,
  childExecutions,
  histories,
}: Sources): Pick<
  StepFunctions,
  'describeExecution' | 'listExecutions' | 'getExecutionHistory' | 'listMapRuns'
> {
  function describeExecution(executionArn: string): ExecutionRecord {
    if (!EXECUTION_ARN.test(executionArn))
      throw new SfnApiError('InvalidArn', `Invalid Arn: '${executionArn}'`);
    const record = executions.get(executionArn) ?? childExecutions.get(executionArn);
    if (!record)
      throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return record;
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
      const record = describeExecution(executionArn);
      const events = histories.get(executionArn)?.events ?? restoredHistory(record);
      const ordered = reverseOrder ? [...events].reverse() : events;
      return paginate(ordered, maxResults, nextToken, 'events');
    },

    listMapRuns(executionArn, { maxResults, nextToken } = {}) {
      const record = describeExecution(executionArn);
      const events = histories.get(executionArn)?.events ?? restoredHistory(record);
      return paginate(mapRunsIn(record, events).reverse(), maxResults, nextToken, 'mapRuns');
    },
  };
}

/**
 * The Map Runs an execution's history records, oldest first. A Map Run still open when the
 * execution ended (stopped, or failed elsewhere) ended with it.
 */
function mapRunsIn(record: ExecutionRecord, events: readonly HistoryEvent[]): MapRunSummary[] {
  const runs: MapRunSummary[] = [];
  let open: { mapRunArn: string; startDate: string } | undefined;
  const close = (stopDate: string | undefined) => {
    if (open === undefined) return;
    runs.push({
      executionArn: record.executionArn,
      mapRunArn: open.mapRunArn,
      // The Map Run's items run as executions of this state machine: `<machine>/<label>`.
      stateMachineArn: open.mapRunArn.replace(':mapRun:', ':stateMachine:').replace(/:[^:]+$/, ''),
      startDate: open.startDate,
      ...(stopDate === undefined ? {} : { stopDate }),
    });
    open = undefined;
  };
  for (const event of events) {
    if (event.type === 'MapRunStarted') {
      close(event.timestamp);
      const { mapRunArn } = (event.details?.mapRunStartedEventDetails ?? {}) as {
        mapRunArn?: string;
      };
      if (mapRunArn) open = { mapRunArn, startDate: event.timestamp };
    } else if (/^MapRun(Succeeded|Failed|Aborted)$/.test(event.type)) {
      close(event.timestamp);
    }
  }
  close(record.stopDate);
  return runs;
}

function sortNewestFirst(records: ExecutionRecord[]): ExecutionRecord[] {
  return records.sort(
    (a, b) => b.startDate.localeCompare(a.startDate) || b.name.localeCompare(a.name),
  );
}
