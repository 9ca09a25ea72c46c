import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * EventBridge event patterns, compiled once at rule registration and matched per event.
 *
 * Semantics follow the EventBridge documentation ("Creating event patterns", "Comparison
 * operators for use in event patterns"): fields AND, array values OR, `$or` between sub-patterns,
 * and a leaf matches when any element of an array-valued event field matches. A pattern the local
 * cloud does not understand is rejected at compile time with an `EventPatternError`: a rule that
 * silently never fires is the worst failure an event router can have.
 */
export class EventPatternError extends Error {
  constructor(
    message: string,
    /** Dotted path of the offending pattern field, e.g. `detail.state`. */
    readonly path: string,
  ) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'EventPatternError';
  }
}

export type EventMatcher = (event: unknown) => boolean;

type Leaf = string | number | boolean | null;
type ValueTest = (value: Leaf) => boolean;

/** A compiled field condition: `present` lists the leaf values found at the field (empty if none). */
interface FieldCondition {
  readonly test: (present: readonly Leaf[]) => boolean;
}

type ObjectMatcher = (value: Record<string, unknown>) => boolean;

/** Compiles a pattern (an object or its JSON text). Throws `EventPatternError` on anything unknown. */
export function compileEventPattern(pattern: unknown): EventMatcher {
  const parsed = typeof pattern === 'string' ? parseJson(pattern) : pattern;
  if (!isPlainObject(parsed)) throw new EventPatternError('a pattern must be a JSON object', '');
  if (Object.keys(parsed).length === 0) {
    throw new EventPatternError('a pattern must name at least one field', '');
  }
  const match = compileObject(parsed, '');
  return (event) => isPlainObject(event) && match(event);
}

/** Convenience for one-off checks; rules should compile once. */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  return compileEventPattern(pattern)(event);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new EventPatternError(`not valid JSON (${(error as Error).message})`, '');
  }
}

function compileObject(pattern: Record<string, unknown>, path: string): ObjectMatcher {
  const parts: ObjectMatcher[] = [];
  for (const [key, value] of Object.entries(pattern)) {
    const at = path ? `${path}.${key}` : key;
    if (key === '$or') {
      parts.push(compileOr(value, at));
    } else if (isPlainObject(value)) {
      parts.push(compileNested(key, compileObject(value, at)));
    } else if (Array.isArray(value)) {
      const condition = compileLeafArray(value, at);
      parts.push((event) => condition.test(leavesOf(event[key])));
    } else {
      throw new EventPatternError(
        `a pattern value must be an array or an object, got ${JSON.stringify(value)}`,
        at,
      );
    }
  }
  return (event) => parts.every((part) => part(event));
}

function compileOr(value: unknown, path: string): ObjectMatcher {
  if (!Array.isArray(value) || value.length < 2 || !value.every(isPlainObject)) {
    throw new EventPatternError('$or takes an array of at least two pattern objects', path);
  }
  const branches = value.map((branch, index) => {
    if (Object.keys(branch).length === 0) {
      throw new EventPatternError(
        'an $or branch must name at least one field',
        `${path}[${index}]`,
      );
    }
    return compileObject(branch, `${path}[${index}]`);
  });
  return (event) => branches.some((branch) => branch(event));
}

/**
 * A nested pattern descends into an object field; an array of objects matches if one element does.
 * EventBridge matches flattened leaf paths, so a missing or scalar parent is a parent without
 * leaves: `{"m": {"v": [{"exists": false}]}}` matches an event without `m`, and nothing else does.
 */
function compileNested(key: string, match: ObjectMatcher): ObjectMatcher {
  return (event) => {
    const value = event[key];
    if (isPlainObject(value)) return match(value);
    if (Array.isArray(value) && value.some(isPlainObject)) {
      return value.some((item) => isPlainObject(item) && match(item));
    }
    return match({});
  };
}

/** The leaf values at a field: a scalar, or every scalar of an array (nested arrays flattened). */
function leavesOf(value: unknown): Leaf[] {
  if (value === undefined || isPlainObject(value)) return [];
  if (Array.isArray(value)) return value.flatMap(leavesOf);
  return [value as Leaf];
}

function compileLeafArray(values: readonly unknown[], path: string): FieldCondition {
  if (values.length === 0) throw new EventPatternError('empty arrays are not allowed', path);
  const tests: ValueTest[] = [];
  let exists: boolean | undefined;
  for (const [index, value] of values.entries()) {
    const at = `${path}[${index}]`;
    if (isPlainObject(value)) {
      if ('exists' in value) {
        exists = compileExists(value, at);
      } else {
        tests.push(compileOperator(value, at));
      }
    } else if (Array.isArray(value)) {
      throw new EventPatternError('nested arrays are not allowed in a pattern', at);
    } else {
      tests.push(exactTest(value as Leaf));
    }
  }
  return {
    test: (present) => {
      if (exists === true && present.length > 0) return true;
      if (exists === false && present.length === 0) return true;
      return present.some((leaf) => tests.some((test) => test(leaf)));
    },
  };
}

function compileExists(operator: Record<string, unknown>, path: string): boolean {
  if (Object.keys(operator).length !== 1 || typeof operator.exists !== 'boolean') {
    throw new EventPatternError('exists takes true or false, alone in its object', path);
  }
  return operator.exists;
}

function exactTest(expected: Leaf): ValueTest {
  // EventBridge compares numbers by value (5 matches 5.0) and never equates "5" with 5.
  return (value) => value === expected;
}

const OPERATORS = new Set([
  'prefix',
  'suffix',
  'anything-but',
  'numeric',
  'equals-ignore-case',
  'wildcard',
  'cidr',
]);

function compileOperator(operator: Record<string, unknown>, path: string): ValueTest {
  const keys = Object.keys(operator);
  const [name] = keys;
  if (keys.length !== 1 || name === undefined) {
    throw new EventPatternError(
      `an operator object takes exactly one operator, got ${JSON.stringify(keys)}`,
      path,
    );
  }
  if (!OPERATORS.has(name)) {
    throw new EventPatternError(`unsupported operator "${name}"`, path);
  }
  const argument = operator[name];
  const at = `${path}.${name}`;
  switch (name) {
    case 'prefix':
      return compileAffix(argument, at, (value, affix) => value.startsWith(affix));
    case 'suffix':
      return compileAffix(argument, at, (value, affix) => value.endsWith(affix));
    case 'equals-ignore-case':
      return compileIgnoreCase(requireString(argument, at));
    case 'wildcard':
      return compileWildcard(requireString(argument, at), at);
    case 'numeric':
      return compileNumeric(argument, at);
    case 'cidr':
      return compileCidr(argument, at);
    default:
      return compileAnythingBut(argument, at);
  }
}

function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string') {
    throw new EventPatternError(`expected a string, got ${JSON.stringify(value)}`, path);
  }
  return value;
}

/** `prefix`/`suffix` take a string, or `{"equals-ignore-case": string}`. */
function compileAffix(
  argument: unknown,
  path: string,
  test: (value: string, affix: string) => boolean,
): ValueTest {
  if (isPlainObject(argument)) {
    const keys = Object.keys(argument);
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') {
      throw new EventPatternError(
        `unsupported operator "${keys.join('", "')}" (only equals-ignore-case may be nested here)`,
        path,
      );
    }
    const affix = requireString(argument['equals-ignore-case'], `${path}.equals-ignore-case`);
    const folded = affix.toLowerCase();
    return (value) => typeof value === 'string' && test(value.toLowerCase(), folded);
  }
  const affix = requireString(argument, path);
  return (value) => typeof value === 'string' && test(value, affix);
}

function compileIgnoreCase(expected: string): ValueTest {
  const folded = expected.toLowerCase();
  return (value) => typeof value === 'string' && value.toLowerCase() === folded;
}

/** `*` matches any run of characters; `\*` and `\\` are literal; `**` is rejected as by AWS. */
function compileWildcard(pattern: string, path: string): ValueTest {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === '\\') {
      const next = pattern[index + 1];
      if (next !== '*' && next !== '\\') {
        throw new EventPatternError('a backslash may only escape "*" or "\\"', path);
      }
      source += escapeRegExp(next);
      index++;
    } else if (char === '*') {
      if (pattern[index + 1] === '*') {
        throw new EventPatternError('consecutive wildcard characters are not allowed', path);
      }
      source += '.*';
    } else {
      source += escapeRegExp(char);
    }
  }
  const regex = new RegExp(`^${source}$`, 's');
  return (value) => typeof value === 'string' && regex.test(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const NUMERIC_COMPARATORS = {
  '=': (a: number, b: number) => a === b,
  '<': (a: number, b: number) => a < b,
  '<=': (a: number, b: number) => a <= b,
  '>': (a: number, b: number) => a > b,
  '>=': (a: number, b: number) => a >= b,
} as const;
type Comparator = keyof typeof NUMERIC_COMPARATORS;

/** `numeric` takes `["=", n]` or one or two bounds: `[">", 0, "<=", 5]` (a lower, then an upper). */
function compileNumeric(argument: unknown, path: string): ValueTest {
  if (!Array.isArray(argument) || (argument.length !== 2 && argument.length !== 4)) {
    throw new EventPatternError('numeric takes [op, number] or [op, number, op, number]', path);
  }
  const checks: Array<(value: number) => boolean> = [];
  const kinds: string[] = [];
  for (let index = 0; index < argument.length; index += 2) {
    const op = argument[index];
    const bound = argument[index + 1];
    if (typeof op !== 'string' || !(op in NUMERIC_COMPARATORS)) {
      throw new EventPatternError(`unsupported numeric comparator ${JSON.stringify(op)}`, path);
    }
    if (typeof bound !== 'number' || !Number.isFinite(bound)) {
      throw new EventPatternError(
        `numeric bound must be a number, got ${JSON.stringify(bound)}`,
        path,
      );
    }
    const compare = NUMERIC_COMPARATORS[op as Comparator];
    checks.push((value) => compare(value, bound));
    kinds.push(op === '=' ? 'equal' : op.startsWith('>') ? 'lower' : 'upper');
  }
  if (kinds.length === 2) {
    const [first, second] = kinds;
    if (first !== 'lower' || second !== 'upper') {
      throw new EventPatternError(
        'a numeric range is a lower bound (> or >=) then an upper bound (< or <=)',
        path,
      );
    }
    const lower = argument[1] as number;
    const upper = argument[3] as number;
    if (lower > upper) throw new EventPatternError('the numeric range is empty', path);
  }
  return (value) => typeof value === 'number' && checks.every((check) => check(value));
}

/** `cidr` takes an IPv4 or IPv6 block; it matches string addresses inside it. */
function compileCidr(argument: unknown, path: string): ValueTest {
  const block = requireString(argument, path);
  const [address, bits, ...rest] = block.split('/');
  const family = address && isIPv4(address) ? 'ipv4' : address && isIPv6(address) ? 'ipv6' : '';
  const prefix = Number(bits);
  const max = family === 'ipv4' ? 32 : 128;
  if (!family || rest.length > 0 || !/^\d+$/.test(bits ?? '') || prefix > max) {
    throw new EventPatternError(`not a CIDR block: ${JSON.stringify(block)}`, path);
  }
  const list = new BlockList();
  list.addSubnet(address as string, prefix, family);
  return (value) => {
    if (typeof value !== 'string') return false;
    const type = isIPv4(value) ? 'ipv4' : isIPv6(value) ? 'ipv6' : undefined;
    return type === family && list.check(value, type);
  };
}

/**
 * `anything-but` takes a value, a list of strings or of numbers, or one of `prefix`, `suffix`,
 * `equals-ignore-case` (a string or a list of strings) and `wildcard` (a string or a list). The
 * field must be present: a missing field matches no `anything-but`.
 */
function compileAnythingBut(argument: unknown, path: string): ValueTest {
  if (isPlainObject(argument)) {
    const keys = Object.keys(argument);
    const [name] = keys;
    if (keys.length !== 1 || name === undefined) {
      throw new EventPatternError('anything-but takes exactly one nested operator', path);
    }
    const inner = argument[name];
    const at = `${path}.${name}`;
    switch (name) {
      case 'prefix':
        return negate(compileAffix(requireString(inner, at), at, (v, a) => v.startsWith(a)));
      case 'suffix':
        return negate(compileAffix(requireString(inner, at), at, (v, a) => v.endsWith(a)));
      case 'equals-ignore-case':
        return negate(anyOf(stringList(inner, at).map(compileIgnoreCase)));
      case 'wildcard':
        return negate(anyOf(stringList(inner, at).map((w) => compileWildcard(w, at))));
      default:
        throw new EventPatternError(`unsupported operator "${name}" inside anything-but`, at);
    }
  }
  if (Array.isArray(argument)) {
    if (argument.length === 0) throw new EventPatternError('empty arrays are not allowed', path);
    const allStrings = argument.every((item) => typeof item === 'string');
    const allNumbers = argument.every((item) => typeof item === 'number');
    if (!allStrings && !allNumbers) {
      throw new EventPatternError('anything-but lists hold only strings or only numbers', path);
    }
    return negate(anyOf(argument.map((item) => exactTest(item as Leaf))));
  }
  if (typeof argument === 'string' || typeof argument === 'number') {
    return negate(exactTest(argument));
  }
  throw new EventPatternError(
    `anything-but takes a string, a number, a list or an operator object, got ${JSON.stringify(argument)}`,
    path,
  );
}

function stringList(value: unknown, path: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new EventPatternError('empty arrays are not allowed', path);
  return list.map((item, index) =>
    requireString(item, Array.isArray(value) ? `${path}[${index}]` : path),
  );
}

function anyOf(tests: readonly ValueTest[]): ValueTest {
  return (value) => tests.some((test) => test(value));
}

function negate(test: ValueTest): ValueTest {
  return (value) => !test(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
