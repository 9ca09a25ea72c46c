import { SsmError } from './errors';
import { checkedPath, fullPath, isUnderPath, parameterKey } from './parameter-names';
import type { ParameterRecord, ParameterVersionRecord } from './parameter-store';

/** One `ParameterFilters` entry of DescribeParameters or GetParametersByPath. */
export interface ParameterFilter {
  readonly Key: string;
  readonly Option?: string | undefined;
  readonly Values?: readonly string[] | undefined;
}

type Matcher = (record: ParameterRecord, current: ParameterVersionRecord) => boolean;

/** Keys, their options (the first is the default) and what each compares. */
const KEYS: Readonly<Record<string, readonly string[]>> = {
  Name: ['Equals', 'BeginsWith', 'Contains'],
  Path: ['OneLevel', 'Recursive'],
  Type: ['Equals'],
  DataType: ['Equals'],
  Tier: ['Equals'],
};

function nameMatcher(option: string, values: readonly string[]): Matcher {
  return ({ name }) =>
    values.some((value) => {
      if (option === 'Equals') return parameterKey(value) === parameterKey(name);
      if (option === 'Contains') return name.includes(value);
      return name.startsWith(value) || fullPath(name).startsWith(fullPath(value));
    });
}

/**
 * Compiles `ParameterFilters` into one predicate (filters ANDed, values ORed), answering
 * Parameter Store's errors for an unknown key, option or missing value. `allowedKeys` narrows
 * the keys (GetParametersByPath takes no Name or Path filter).
 */
export function compileParameterFilters(
  filters: readonly ParameterFilter[],
  allowedKeys: readonly string[] = Object.keys(KEYS),
): Matcher {
  const matchers = filters.map((filter): Matcher => {
    const options = KEYS[filter.Key];
    if (options === undefined || !allowedKeys.includes(filter.Key)) {
      throw new SsmError(
        'InvalidFilterKey',
        `The following filter key is not valid: ${filter.Key}. Valid filter keys include: [${allowedKeys.join(', ')}].`,
      );
    }
    const option = filter.Option ?? (options[0] as string);
    if (!options.includes(option)) {
      throw new SsmError(
        'InvalidFilterOption',
        `The following filter option is not valid: ${option}. Valid options include: [${options.join(', ')}].`,
      );
    }
    const values = filter.Values ?? [];
    if (values.length === 0) {
      throw new SsmError(
        'InvalidFilterValue',
        `The following filter values are missing : null for filter key ${filter.Key}.`,
      );
    }
    switch (filter.Key) {
      case 'Name':
        return nameMatcher(option, values);
      case 'Path': {
        const paths = values.map(checkedPath);
        return ({ name }) => paths.some((path) => isUnderPath(name, path, option === 'Recursive'));
      }
      case 'Type':
        return (_, current) => values.includes(current.type);
      case 'DataType':
        return (_, current) => values.includes(current.dataType);
      default:
        return () => values.includes('Standard');
    }
  });
  return (record, current) => matchers.every((matches) => matches(record, current));
}
