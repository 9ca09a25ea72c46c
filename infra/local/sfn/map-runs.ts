import { randomUUID } from 'node:crypto';
import { type ChildExecutions, type ChildOutcome, ExecutionHistory } from './history';
import { SfnApiError } from './sfn-api-error';
import type { CompiledStateMachine } from './state-machines';
import type { ExecutionRecord, ExecutionStatus } from './store';

/** One run of a distributed Map state: its ARN, and its child executions by item index. */
interface MapRun {
  readonly mapRunArn: string;
  /** The child executions' ARN up to their name. */
  readonly prefix: string;
  readonly byIndex: string[];
}

/**
 * The child executions of distributed Maps: listed by their Map Run, never persisted (a rerun
 * starts its Map anew).
 */
export function createChildExecutionStore(
  now: () => Date,
  histories: Map<string, ExecutionHistory>,
) {
  const childRecords = new Map<string, ExecutionRecord>();
  /** The Map Run's child executions so far; none for a Map Run this store does not know. */
  const childrenOf = (mapRunArn: string): ExecutionRecord[] =>
    [...childRecords.values()].filter((record) => record.mapRunArn === mapRunArn);
  return {
    childrenOf,
    get: (executionArn: string): ExecutionRecord | undefined => childRecords.get(executionArn),

    /** Starts the Map Run's child for item `index`, with an empty history to record in. */
    start(mapRun: MapRun, index: number, input: unknown) {
      const childName = randomUUID();
      const executionArn = `${mapRun.prefix}:${childName}`;
      mapRun.byIndex[index] = executionArn;
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
      return { executionArn, history };
    },

    end(executionArn: string | undefined, outcome: ChildOutcome): void {
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

    /** Marks ABORTED the children still running when their parent ends. */
    abortRunning(executionArns: readonly string[]): void {
      for (const executionArn of executionArns) {
        const child = childRecords.get(executionArn);
        if (child?.status === 'RUNNING') {
          childRecords.set(executionArn, {
            ...child,
            status: 'ABORTED',
            stopDate: now().toISOString(),
          });
        }
      }
    },

    /** The Map Run's child executions, as ListExecutions with `mapRunArn` answers them. */
    listByMapRun(mapRunArn: string, statusFilter: ExecutionStatus | undefined): ExecutionRecord[] {
      const children = childrenOf(mapRunArn);
      if (children.length === 0) {
        throw new SfnApiError('ResourceNotFound', `Map Run Does Not Exist: '${mapRunArn}'`);
      }
      return children.filter(
        (record) => statusFilter === undefined || record.status === statusFilter,
      );
    },
  };
}

export type ChildExecutionStore = ReturnType<typeof createChildExecutionStore>;

/** The distributed Maps' Map Runs and child executions of one execution of `compiled`. */
export function mapRunsOf(
  compiled: CompiledStateMachine,
  store: ChildExecutionStore,
): ChildExecutions & { readonly started: readonly string[] } {
  const started: string[] = [];
  const runs = new Map<string, MapRun>();
  const runOf = (mapState: string) => {
    const mapRun = runs.get(mapState) ?? newMapRun(compiled, mapState);
    runs.set(mapState, mapRun);
    return mapRun;
  };
  return {
    started,
    // Each MapRunStarted begins a new Map Run of that state (a Map state may run again).
    mapRunArn: (mapState) => {
      runs.delete(mapState);
      return runOf(mapState).mapRunArn;
    },
    start(mapState, index, input) {
      const { executionArn, history } = store.start(runOf(mapState), index, input);
      started.push(executionArn);
      return history;
    },
    end: (mapState, index, outcome) => store.end(runs.get(mapState)?.byIndex[index], outcome),
  };
}

function newMapRun(compiled: CompiledStateMachine, mapState: string): MapRun {
  const { arn, name } = compiled.spec;
  const label = compiled.states.get(mapState)?.Label ?? mapState;
  const base = arn.slice(0, arn.indexOf(':stateMachine:'));
  return {
    mapRunArn: `${base}:mapRun:${name}/${label}:${randomUUID()}`,
    prefix: `${base}:execution:${name}/${label}`,
    byIndex: [],
  };
}
