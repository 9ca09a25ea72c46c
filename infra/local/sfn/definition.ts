/**
 * Reads what the local run needs from an ASL definition: every Task's resource and every Wait's
 * duration, through Map (`ItemProcessor`/`Iterator`) and Parallel (`Branches`) states. State
 * names are unique across a whole state machine in Step Functions, which is what makes
 * aws-local-stepfunctions' per-state-name overrides sound.
 */
export interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly Seconds?: number;
  readonly TimeoutSeconds?: number;
  readonly SecondsPath?: string;
  readonly Timestamp?: string;
  readonly TimestampPath?: string;
  /** A Task's payload template (what it is given, in JSONPath). */
  readonly Parameters?: unknown;
  readonly ItemProcessor?: AslDefinition;
  /** A distributed Map's label, which names its Map Runs and child executions. */
  readonly Label?: string;
  /** A Map's settings, as DescribeMapRun reports them. */
  readonly MaxConcurrency?: number;
  readonly ToleratedFailurePercentage?: number;
  readonly ToleratedFailureCount?: number;
  readonly Iterator?: AslDefinition;
  readonly Branches?: readonly AslDefinition[];
}

export interface AslDefinition {
  readonly StartAt: string;
  /** A Map's `ItemProcessor`: `DISTRIBUTED` runs each item as a child execution. */
  readonly ProcessorConfig?: { readonly Mode?: string };
  readonly States: Readonly<Record<string, AslState>>;
}

export class StateMachineDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateMachineDefinitionError';
  }
}

/** Every state of the machine, nested ones included, by name. Throws on a duplicated name. */
export function collectStates(definition: AslDefinition): Map<string, AslState> {
  const states = new Map<string, AslState>();
  const visit = (machine: AslDefinition) => {
    for (const [name, state] of Object.entries(machine.States ?? {})) {
      if (states.has(name))
        throw new StateMachineDefinitionError(`state name "${name}" is used twice`);
      states.set(name, state);
      const nested = state.ItemProcessor ?? state.Iterator;
      if (nested) visit(nested);
      for (const branch of state.Branches ?? []) visit(branch);
    }
  };
  visit(definition);
  return states;
}
