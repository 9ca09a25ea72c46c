interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly Seconds?: number;
  readonly ItemProcessor?: AslMachine;
  readonly Iterator?: AslMachine;
  readonly Branches?: readonly AslMachine[];
}
interface AslMachine {
  readonly States: Readonly<Record<string, AslState>>;
}

/**
 * Task resources that run a function: the Lambda integration (`arn:aws:states:::lambda:invoke`)
 * or a function ARN called directly, as the seed does.
 */
const FUNCTION_RESOURCE = /^arn:aws:states:::lambda:invoke|^arn:aws:lambda:/;

/** Every state of a definition by name, those inside Map items and Parallel branches included. */
function allStates(definition: unknown): [string, AslState][] {
  const machine = definition as AslMachine;
  return Object.entries(machine.States).flatMap(([name, state]): [string, AslState][] => [
    [name, state],
    ...[state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])].flatMap((inner) =>
      inner ? allStates(inner) : [],
    ),
  ]);
}

/** Every Task state of a definition by name, with its Resource. */
export function taskStates(definition: unknown): [string, string][] {
  return allStates(definition).flatMap(([name, state]): [string, string][] =>
    state.Type === 'Task' ? [[name, state.Resource ?? '']] : [],
  );
}

/** The names of the Task states that invoke a function, read from the definition itself. */
export function functionTaskStates(definition: unknown): Set<string> {
  return new Set(
    taskStates(definition)
      .filter(([, resource]) => FUNCTION_RESOURCE.test(resource))
      .map(([name]) => name),
  );
}

/** The `Seconds` of every Wait state of a definition: the poll interval of a polling loop. */
export function waitSeconds(definition: unknown): number[] {
  return allStates(definition).flatMap(([, state]) =>
    state.Type === 'Wait' && state.Seconds !== undefined ? [state.Seconds] : [],
  );
}
