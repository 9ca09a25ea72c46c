import { createHash } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { type AslState, collectStates, StateMachineDefinitionError } from './definition';
import { SfnApiError } from './sfn-api-error';
import type {
  RegisteredStateMachine,
  StateMachineSpec,
  StepFunctionsOptions,
} from './step-functions';

export const CALLBACK_SUFFIX = '.waitForTaskToken';

const STATE_MACHINE_ARN = /^arn:aws[\w-]*:states:[^:]+:\d{12}:stateMachine:[^:]+$/;

export interface RegisteredTask {
  readonly stateName: string;
  readonly resource: string;
  /** For a callback Task: how long it waits for its token, scaled; undefined = no limit of ours. */
  readonly callbackTimeoutMs?: number;
}

/** A registered state machine with what running it on aws-local-stepfunctions needs. */
export interface CompiledStateMachine {
  readonly spec: RegisteredStateMachine;
  readonly states: ReadonlyMap<string, AslState>;
  readonly machine: StateMachine;
  readonly waitTimeOverrides: Record<string, number>;
  readonly tasks: readonly RegisteredTask[];
}

type CompileOptions = Pick<StepFunctionsOptions, 'taskHandlers' | 'waitScale' | 'waitOverridesMs'>;

/**
 * Digests of the definitions this process has validated. asl-validator builds and compiles its
 * JSON schemas afresh on every call (about 0.3 s of CPU); every start registers the same
 * definitions, and a process may start many local clouds. Only a definition that passed is kept.
 */
const validDefinitions = new Set<string>();

function definitionDigest(definition: unknown): string {
  return createHash('sha256').update(JSON.stringify(definition)).digest('hex');
}

/** aws-local-stepfunctions' machine; asl-validator checks a definition not seen valid before. */
function localStateMachine(definition: unknown): StateMachine {
  // Digested before validating: asl-validator writes default fields into the definition.
  const digest = definitionDigest(definition);
  const known = validDefinitions.has(digest);
  const machine = new StateMachine(definition as never, {
    validationOptions: known ? { noValidate: true } : { checkArn: false },
  });
  validDefinitions.add(digest);
  return machine;
}

/**
 * Validates the definition (asl-validator) and reads its Tasks and Waits. Throws
 * StateMachineDefinitionError for an invalid definition or a Task resource without a handler.
 */
export function compileStateMachine(
  spec: StateMachineSpec,
  options: CompileOptions,
  creationDate: string,
): CompiledStateMachine {
  let machine: StateMachine;
  let states: Map<string, AslState>;
  try {
    states = collectStates(spec.definition);
    machine = localStateMachine(spec.definition);
  } catch (error) {
    throw new StateMachineDefinitionError(`${spec.name}: ${(error as Error).message}`);
  }
  const tasks = tasksOf(states, options.waitScale ?? 1);
  const missing = tasks
    .filter(({ resource }) => !Object.hasOwn(options.taskHandlers, resource))
    .map(({ stateName, resource }) => `${stateName} (${resource})`);
  // Without a handler aws-local-stepfunctions would invoke the resource as a real Lambda
  // function in a real account; refusing the machine here is the only safe answer.
  if (missing.length > 0) {
    throw new StateMachineDefinitionError(
      `${spec.name}: no local handler for Task state(s) ${missing.join(', ')}`,
    );
  }
  return {
    spec: { ...spec, creationDate },
    states,
    machine,
    waitTimeOverrides: waitTimeOverridesOf(states, options),
    tasks,
  };
}

function tasksOf(states: ReadonlyMap<string, AslState>, waitScale: number): RegisteredTask[] {
  const tasks: RegisteredTask[] = [];
  for (const [stateName, state] of states) {
    if (state.Type !== 'Task') continue;
    const resource = String(state.Resource);
    const timeout = state.TimeoutSeconds;
    tasks.push({
      stateName,
      resource,
      ...(resource.endsWith(CALLBACK_SUFFIX) && typeof timeout === 'number'
        ? { callbackTimeoutMs: Math.round(timeout * 1_000 * waitScale) }
        : {}),
    });
  }
  return tasks;
}

/** The pause of each Wait state in ms: its override, else its `Seconds` scaled. */
function waitTimeOverridesOf(
  states: ReadonlyMap<string, AslState>,
  options: CompileOptions,
): Record<string, number> {
  const overrides: Record<string, number> = {};
  for (const [stateName, state] of states) {
    if (state.Type !== 'Wait') continue;
    const override = options.waitOverridesMs?.[stateName];
    if (override !== undefined) overrides[stateName] = override;
    else if (typeof state.Seconds === 'number') {
      overrides[stateName] = Math.round(state.Seconds * 1_000 * (options.waitScale ?? 1));
    }
  }
  return overrides;
}

/** The registered state machines by ARN, answering with AWS's errors for a bad or unknown ARN. */
export function createStateMachineRegistry() {
  const machines = new Map<string, CompiledStateMachine>();
  return {
    add(compiled: CompiledStateMachine): void {
      machines.set(compiled.spec.arn, compiled);
    },
    list: (): RegisteredStateMachine[] => [...machines.values()].map(({ spec }) => spec),
    get(stateMachineArn: string): CompiledStateMachine {
      if (!STATE_MACHINE_ARN.test(stateMachineArn)) {
        throw new SfnApiError('InvalidArn', `Invalid Arn: '${stateMachineArn}'`);
      }
      const compiled = machines.get(stateMachineArn);
      if (!compiled) {
        throw new SfnApiError(
          'StateMachineDoesNotExist',
          `State Machine Does Not Exist: '${stateMachineArn}'`,
        );
      }
      return compiled;
    },
  };
}

export type StateMachineRegistry = ReturnType<typeof createStateMachineRegistry>;
