import { createHash } from 'node:crypto';
import { sortedKeys } from '../sorted-keys';

/** A Task call's key, and how to give it back when the call fails. */
export interface ClaimedKey {
  readonly key: string;
  /** The call failed: a retry of it takes the same key again. */
  release(): void;
}

/**
 * Keys for the Task calls of one run of an execution that are the same in a rerun of it.
 *
 * On AWS an execution resumes at the state it reached; here a run stopped by a restart is rerun
 * from its start. A Task that publishes can tell its rerun calls from new ones by this key: the
 * execution, the state, what the state was given, and which call of that state with that input
 * it is. "What it was given" leaves out the values the state's Parameters take from the context
 * object (`$$`, e.g. `$$.State.EnteredTime` or a task token), which are new in every run; a value
 * an earlier state took from the context and passed on is not recognised, and makes a new key.
 *
 * The n-th call is numbered by the lowest number no running or succeeded call holds: a failed call
 * gives its number back (a retry is the same call again), and calls with the same input running at
 * once (two identical items of a Map) each get their own.
 */
export function createRerunKeys(executionArn: string) {
  const taken = new Map<string, Set<number>>();
  return {
    claim(stateName: string, parameters: unknown, input: unknown): ClaimedKey {
      const base = `${stateName} ${digest(withoutContextValues(parameters, input))}`;
      const numbers = taken.get(base) ?? new Set<number>();
      taken.set(base, numbers);
      let n = 0;
      while (numbers.has(n)) n++;
      numbers.add(n);
      return { key: `${executionArn} ${base} ${n}`, release: () => numbers.delete(n) };
    },
  };
}

export type RerunKeys = ReturnType<typeof createRerunKeys>;

/** `input` without what `template` (a payload template) takes from the context object. */
export function withoutContextValues(template: unknown, input: unknown): unknown {
  if (Array.isArray(template) && Array.isArray(input)) {
    return input.map((item, index) => withoutContextValues(template[index], item));
  }
  if (!isObject(template) || !isObject(input)) return input;
  const kept: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(input)) {
    const path = template[`${field}.$`];
    if (typeof path === 'string' && path.includes('$$')) continue;
    kept[field] = withoutContextValues(template[field], value);
  }
  return kept;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A digest of `value` whatever the order of its objects' fields. */
function digest(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(sortedKeys(value)) ?? 'null')
    .digest('hex')
    .slice(0, 32);
}
