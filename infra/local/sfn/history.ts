import type { StateMachine } from 'aws-local-stepfunctions';
import type { AslState } from './definition';

/** One event of an execution's history, as GetExecutionHistory answers it (timestamp ISO-8601). */
export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: string;
  readonly type: string;
  /** The event's `<type>EventDetails` member, e.g. `stateEnteredEventDetails`. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** An event as aws-local-stepfunctions logs it while an execution runs. */
export type EngineEvent =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer Event> ? Event : never;

/**
 * One execution's history. Ids count from 1 and each event's `previousEventId` is the one before
 * it: the causal links AWS draws across retries and branches are not reconstructed.
 */
export class ExecutionHistory {
  readonly events: HistoryEvent[] = [];

  constructor(private readonly now: () => Date) {}

  append(type: string, detailsKey?: string, details?: Record<string, unknown>): void {
    const id = this.events.length + 1;
    this.events.push({
      id,
      previousEventId: id - 1,
      timestamp: this.now().toISOString(),
      type,
      ...(detailsKey && details ? { details: { [detailsKey]: details } } : {}),
    });
  }
}

/** What the history of a distributed Map's child execution needs from the engine running it. */
export interface ChildExecutions {
  /** A child starts: its history is returned to record it in. */
  start(mapState: string, index: number, input: unknown): ExecutionHistory;
  end(mapState: string, index: number, outcome: ChildOutcome): void;
  /** The Map Run of the named Map state's current run, for MapRunStarted. */
  mapRunArn(mapState: string): string;
}

export type ChildOutcome =
  | { readonly status: 'SUCCEEDED'; readonly output: unknown }
  | { readonly status: 'FAILED'; readonly error: string; readonly cause: string };

const json = (value: unknown) => JSON.stringify(value ?? null);
const dataDetails = { truncated: false };

/** What recording one execution's history keeps between the engine's events. */
interface Recording {
  readonly history: ExecutionHistory;
  /** Every state of the machine by name, nested ones included. */
  readonly states: ReadonlyMap<string, AslState>;
  readonly roleArn?: string;
  readonly region: string;
  readonly children: ChildExecutions;
  /** The distributed Map running now, whose indexed events belong to its children. */
  openMap: string | undefined;
  readonly childHistories: Map<number, ExecutionHistory>;
}

/**
 * Turns the engine's event log into Step Functions history events: `<Type>StateEntered/Exited`,
 * Task and Lambda events, Map iterations, and for a distributed Map its Map Run in the parent's
 * history and one child execution per item with a history of its own, as AWS keeps them.
 */
export function createHistoryRecorder(options: {
  readonly history: ExecutionHistory;
  /** Every state of the machine by name, nested ones included. */
  readonly states: ReadonlyMap<string, AslState>;
  readonly roleArn?: string;
  readonly region: string;
  readonly children: ChildExecutions;
}): (event: EngineEvent) => void {
  const recording: Recording = { ...options, openMap: undefined, childHistories: new Map() };
  return (event) => {
    switch (event.type) {
      case 'ExecutionStarted':
      case 'ExecutionSucceeded':
      case 'ExecutionFailed':
      case 'ExecutionAborted':
      case 'ExecutionTimeout':
        executionEvent(recording, event);
        return;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        mapIteration(recording, event);
        return;
      case 'ParallelBranchStarted':
      case 'ParallelBranchSucceeded':
      case 'ParallelBranchFailed':
        return;
      default: {
        // A state of a distributed Map's child belongs to that child's own history.
        const child =
          recording.openMap !== undefined && event.index !== undefined
            ? recording.childHistories.get(event.index)
            : undefined;
        stateEvent(recording, child ?? recording.history, event);
      }
    }
  };
}

function executionEvent(
  { history, roleArn }: Recording,
  event: Extract<
    EngineEvent,
    {
      type:
        | 'ExecutionStarted'
        | 'ExecutionSucceeded'
        | 'ExecutionFailed'
        | 'ExecutionAborted'
        | 'ExecutionTimeout';
    }
  >,
): void {
  switch (event.type) {
    case 'ExecutionStarted':
      history.append('ExecutionStarted', 'executionStartedEventDetails', {
        input: json(event.input),
        inputDetails: dataDetails,
        ...(roleArn ? { roleArn } : {}),
      });
      return;
    case 'ExecutionSucceeded':
      history.append('ExecutionSucceeded', 'executionSucceededEventDetails', {
        output: json(event.output),
        outputDetails: dataDetails,
      });
      return;
    case 'ExecutionFailed':
      history.append('ExecutionFailed', 'executionFailedEventDetails', {
        error: event.Error,
        cause: typeof event.Cause === 'string' ? event.Cause : json(event.Cause),
      });
      return;
    case 'ExecutionAborted':
      history.append('ExecutionAborted', 'executionAbortedEventDetails', {});
      return;
    case 'ExecutionTimeout':
      history.append('ExecutionTimedOut', 'executionTimedOutEventDetails', {
        error: 'States.Timeout',
      });
      return;
  }
}

function stateEvent(recording: Recording, target: ExecutionHistory, event: EngineEvent): void {
  switch (event.type) {
    case 'StateEntered':
      stateEntered(recording, target, event.state.name, event.state.type, event.state.input);
      break;
    case 'StateExited':
      stateExited(recording, target, event.state.name, event.state.type, event.state.output);
      break;
    case 'StateFailed':
      stateFailed(recording, target, event.state, event.Error, event.Cause);
      break;
    case 'StateRetried':
      // The next attempt of a Task is scheduled again.
      if (event.state.type === 'Task') {
        taskScheduled(recording, target, event.state.name, event.state.input);
      }
      break;
  }
}

function stateEntered(
  recording: Recording,
  target: ExecutionHistory,
  name: string,
  type: string,
  input: unknown,
): void {
  target.append(`${type}StateEntered`, 'stateEnteredEventDetails', {
    name,
    input: json(input),
    inputDetails: dataDetails,
  });
  if (type === 'Task') taskScheduled(recording, target, name, input);
  if (type === 'Map' && isDistributed(recording, name)) {
    recording.openMap = name;
    recording.childHistories.clear();
    target.append('MapRunStarted', 'mapRunStartedEventDetails', {
      mapRunArn: recording.children.mapRunArn(name),
    });
  } else if (type === 'Map') {
    target.append('MapStateStarted');
  }
}

function taskScheduled(
  recording: Recording,
  target: ExecutionHistory,
  name: string,
  input: unknown,
): void {
  const task = describeTask(recording.states.get(name)?.Resource ?? '');
  if (task.lambda) {
    target.append('LambdaFunctionScheduled', 'lambdaFunctionScheduledEventDetails', {
      resource: task.resource,
      input: json(input),
      inputDetails: dataDetails,
    });
    target.append('LambdaFunctionStarted');
    return;
  }
  target.append('TaskScheduled', 'taskScheduledEventDetails', {
    resourceType: task.resourceType,
    resource: task.resource,
    region: recording.region,
    parameters: json(input),
  });
  target.append('TaskStarted', 'taskStartedEventDetails', {
    resourceType: task.resourceType,
    resource: task.resource,
  });
}

function stateExited(
  recording: Recording,
  target: ExecutionHistory,
  name: string,
  type: string,
  output: unknown,
): void {
  if (type === 'Task') {
    const task = describeTask(recording.states.get(name)?.Resource ?? '');
    if (task.lambda) {
      target.append('LambdaFunctionSucceeded', 'lambdaFunctionSucceededEventDetails', {
        output: json(output),
        outputDetails: dataDetails,
      });
    } else {
      target.append('TaskSucceeded', 'taskSucceededEventDetails', {
        resourceType: task.resourceType,
        resource: task.resource,
        output: json(output),
        outputDetails: dataDetails,
      });
    }
  }
  if (type === 'Map' && name === recording.openMap) {
    recording.openMap = undefined;
    target.append('MapRunSucceeded');
  }
  if (type === 'Map') target.append('MapStateSucceeded');
  // Succeed and Fail states end the execution: they have no Exited event.
  if (type === 'Succeed' || type === 'Fail') return;
  target.append(`${type}StateExited`, 'stateExitedEventDetails', {
    name,
    output: json(output),
    outputDetails: dataDetails,
  });
}

function stateFailed(
  recording: Recording,
  target: ExecutionHistory,
  { name, type }: { name: string; type: string },
  error: string,
  cause: unknown,
): void {
  const failure = { error, cause: typeof cause === 'string' ? cause : json(cause) };
  if (type === 'Task') {
    const task = describeTask(recording.states.get(name)?.Resource ?? '');
    if (task.lambda) {
      target.append('LambdaFunctionFailed', 'lambdaFunctionFailedEventDetails', failure);
    } else {
      target.append('TaskFailed', 'taskFailedEventDetails', {
        resourceType: task.resourceType,
        resource: task.resource,
        ...failure,
      });
    }
  }
  if (type === 'Map' && name === recording.openMap) {
    recording.openMap = undefined;
    target.append('MapRunFailed', 'mapRunFailedEventDetails', failure);
  }
  if (type === 'Map') target.append('MapStateFailed');
}

function mapIteration(
  recording: Recording,
  event: Extract<
    EngineEvent,
    { type: 'MapIterationStarted' | 'MapIterationSucceeded' | 'MapIterationFailed' }
  >,
): void {
  const { history, children, childHistories } = recording;
  const mapState = event.parentState.name;
  if (mapState !== recording.openMap) {
    // An inline Map: its iterations are recorded in the execution's own history.
    history.append(event.type, `${lowerFirst(event.type)}EventDetails`, {
      name: mapState,
      index: event.index,
    });
    return;
  }
  // The engine spreads the child's own ExecutionStarted/Succeeded event into its iteration event.
  const { input, output } = event as { input?: unknown; output?: unknown };
  if (event.type === 'MapIterationStarted') {
    const child = children.start(mapState, event.index, input);
    childHistories.set(event.index, child);
    child.append('ExecutionStarted', 'executionStartedEventDetails', {
      input: json(input),
      inputDetails: dataDetails,
      ...(recording.roleArn ? { roleArn: recording.roleArn } : {}),
    });
    return;
  }
  const child = childHistories.get(event.index);
  if (event.type === 'MapIterationSucceeded') {
    child?.append('ExecutionSucceeded', 'executionSucceededEventDetails', {
      output: json(output),
      outputDetails: dataDetails,
    });
    children.end(mapState, event.index, { status: 'SUCCEEDED', output });
    return;
  }
  const cause = typeof event.Cause === 'string' ? event.Cause : json(event.Cause);
  child?.append('ExecutionFailed', 'executionFailedEventDetails', { error: event.Error, cause });
  children.end(mapState, event.index, { status: 'FAILED', error: event.Error, cause });
}

function isDistributed({ states }: Recording, name: string): boolean {
  return states.get(name)?.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
}

/**
 * How history names a Task's resource: `arn:aws:states:::aws-sdk:ec2:describeImages` is resource
 * type `aws-sdk:ec2`, resource `describeImages`; a function ARN is a Lambda function.
 */
export function describeTask(resourceArn: string): {
  lambda: boolean;
  resourceType: string;
  resource: string;
} {
  if (/^arn:aws[\w-]*:lambda:/.test(resourceArn)) {
    return { lambda: true, resourceType: 'lambda', resource: resourceArn };
  }
  const integration = /^arn:aws[\w-]*:states:::(.+):([^:]+)$/.exec(resourceArn);
  if (!integration) return { lambda: false, resourceType: 'unknown', resource: resourceArn };
  return {
    lambda: false,
    resourceType: integration[1] ?? '',
    resource: integration[2] ?? '',
  };
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
