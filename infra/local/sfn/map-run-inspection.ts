import type { InspectionSources } from './execution-inspection';
import type { HistoryEvent } from './history';
import { SfnApiError } from './sfn-api-error';
import type { MapRunCounts, MapRunDescription, MapRunSummary } from './step-functions';
import type { ExecutionRecord } from './store';

/** A Map Run as the history records it: its summary and how it ended. */
export type MapRunRecord = MapRunSummary & { readonly status: MapRunDescription['status'] };

const ENDED = new Map<string, MapRunRecord['status']>([
  ['MapRunSucceeded', 'SUCCEEDED'],
  ['MapRunFailed', 'FAILED'],
  ['MapRunAborted', 'ABORTED'],
]);

/**
 * The Map Runs an execution's history records, oldest first. A Map Run still open when the
 * execution ended (stopped, or failed elsewhere) was aborted with it.
 */
export function mapRunsIn(
  record: ExecutionRecord,
  events: readonly HistoryEvent[],
): MapRunRecord[] {
  const runs: MapRunRecord[] = [];
  let open: { mapRunArn: string; startDate: string } | undefined;
  const close = (status: MapRunRecord['status'], stopDate: string | undefined) => {
    if (open === undefined) return;
    runs.push({
      executionArn: record.executionArn,
      mapRunArn: open.mapRunArn,
      // The Map Run's items run as executions of this state machine: `<machine>/<label>`.
      stateMachineArn: open.mapRunArn.replace(':mapRun:', ':stateMachine:').replace(/:[^:]+$/, ''),
      startDate: open.startDate,
      status,
      ...(stopDate === undefined ? {} : { stopDate }),
    });
    open = undefined;
  };
  for (const event of events) {
    if (event.type === 'MapRunStarted') {
      close('ABORTED', event.timestamp);
      const { mapRunArn } = (event.details?.mapRunStartedEventDetails ?? {}) as {
        mapRunArn?: string;
      };
      if (mapRunArn) open = { mapRunArn, startDate: event.timestamp };
    } else {
      const ended = ENDED.get(event.type);
      if (ended) close(ended, event.timestamp);
    }
  }
  close(record.status === 'RUNNING' ? 'RUNNING' : 'ABORTED', record.stopDate);
  return runs;
}

/**
 * DescribeMapRun: the Map Run's status and dates from its parent's history, the Map state's
 * settings from the definition, and its items counted by their child executions' status (one
 * child per item: no item waits for a place, none is redriven, and nothing is written by a
 * ResultWriter).
 */
export function describeMapRun(mapRunArn: string, sources: InspectionSources): MapRunDescription {
  // A Map Run is started by a parent execution (a Map inside an item is recorded in the parent).
  for (const [executionArn, history] of sources.histories) {
    const record = sources.executions.get(executionArn);
    const run = record && mapRunsIn(record, history.events).find((r) => r.mapRunArn === mapRunArn);
    if (!record || !run) continue;
    const counts = countByStatus(sources.childExecutions.childrenOf(mapRunArn));
    return {
      ...run,
      ...mapSettings(sources, record.stateMachineArn, mapRunArn),
      itemCounts: counts,
      executionCounts: counts,
    };
  }
  throw new SfnApiError('ResourceNotFound', `Map Run Does Not Exist: '${mapRunArn}'`);
}

function mapSettings(sources: InspectionSources, stateMachineArn: string, mapRunArn: string) {
  // `arn:…:mapRun:<machine>/<label>:<uuid>`; the label is the state's name unless it sets one.
  const label = /\/([^/:]+):[^:]+$/.exec(mapRunArn)?.[1];
  const states = sources.machines.get(stateMachineArn).states;
  const state = [...states].find(([name, each]) => (each.Label ?? name) === label)?.[1];
  return {
    maxConcurrency: state?.MaxConcurrency ?? 0,
    toleratedFailurePercentage: state?.ToleratedFailurePercentage ?? 0,
    toleratedFailureCount: state?.ToleratedFailureCount ?? 0,
  };
}

function countByStatus(children: readonly ExecutionRecord[]): MapRunCounts {
  const count = (status: ExecutionRecord['status']) =>
    children.filter((child) => child.status === status).length;
  return {
    pending: 0,
    running: count('RUNNING'),
    succeeded: count('SUCCEEDED'),
    failed: count('FAILED'),
    timedOut: count('TIMED_OUT'),
    aborted: count('ABORTED'),
    total: children.length,
    resultsWritten: 0,
  };
}
