import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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

type CompileOptions = Pick<
  StepFunctionsOptions,
  'taskHandlers' | 'waitScale' | 'waitOverridesMs' | 'validatedDefinitionsDir'
>;

/**
 * Definitions asl-validator passed, by digest. It builds and compiles its JSON schemas afresh on
 * every call (about 0.7 s of CPU for a start's state machines), and every start registers the
 * same definitions: a digest is kept in this process and, given a folder, as an empty file there
 * for the next process. Only a definition that passed is kept; the digest covers the engine's
 * version, so an upgrade validates again.
 */
const validDefinitions = new Set<string>();

const ENGINE_VERSION = (
  JSON.parse(
    readFileSync(
      join(
        dirname(createRequire(import.meta.url).resolve('aws-local-stepfunctions')),
        '..',
        'package.json',
      ),
      'utf8',
    ),
  ) as { version: string }
).version;

function definitionDigest(definition: unknown): string {
  return createHash('sha256')
    .update(`aws-local-stepfunctions ${ENGINE_VERSION}\n`)
    .update(JSON.stringify(definition))
    .digest('hex');
}

function knownValid(digest: string, dir: string | undefined): boolean {
  return validDefinitions.has(digest) || (dir !== undefined && existsSync(join(dir, digest)));
}

function rememberValid(digest: string, dir: string | undefined): void {
  validDefinitions.add(digest);
  if (dir === undefined || existsSync(join(dir, digest))) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, digest), '');
}

/** aws-local-stepfunctions' machine; asl-validator checks a definition not seen valid before. */
function localStateMachine(definition: unknown, validatedDir: string | undefined): StateMachine {
  // Digested before validating: asl-validator writes default fields into the definition.
  const digest = definitionDigest(definition);
  const known = knownValid(digest, validatedDir);
  const machine = new StateMachine(definition as never, {
    validationOptions: known ? { noValidate: true } : { checkArn: false },
  });
  rememberValid(digest, validatedDir);
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
    machine = localStateMachine(spec.definition, options.validatedDefinitionsDir);
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
