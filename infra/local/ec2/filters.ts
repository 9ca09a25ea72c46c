import { invalidParameterValue } from './errors';
import type { Tags } from './model';
import type { Filter } from './query-params';

/** The value(s) of one filterable field of a record; a record matches if any value matches. */
export type FieldGetter<T> = (record: T) => string | undefined | readonly (string | undefined)[];

/** The filter names an action supports, besides the tag filters every action shares. */
export type FilterFields<T> = Readonly<Record<string, FieldGetter<T>>>;

type ValueMatcher = (value: string) => boolean;

/**
 * EC2 filter values may use `*` (any run of characters) and `?` (one character); a backslash
 * escapes either. Values without wildcards compare as plain strings, which keeps a filter over
 * 10,000 records cheap.
 */
export function valueMatcher(pattern: string): ValueMatcher {
  if (!/[*?\\]/.test(pattern)) return (value) => value === pattern;
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i] as string;
    if (char === '\\' && i + 1 < pattern.length) {
      i += 1;
      source += escapeRegExp(pattern[i] as string);
    } else if (char === '*') source += '[\\s\\S]*';
    else if (char === '?') source += '[\\s\\S]';
    else source += escapeRegExp(char);
  }
  const regex = new RegExp(`^${source}$`);
  return (value) => regex.test(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function anyMatches(matchers: readonly ValueMatcher[], values: Iterable<string | undefined>) {
  for (const value of values) {
    if (value === undefined) continue;
    for (const matches of matchers) if (matches(value)) return true;
  }
  return false;
}

/**
 * Compiles the request's filters into one predicate. Filters are ANDed, values within a filter
 * ORed, as on EC2. An unknown filter name is an error, never silently ignored, so a typo in a
 * caller's filter cannot widen what it selects.
 */
export function compileFilters<T>(
  filters: readonly Filter[],
  fields: FilterFields<T>,
  tagsOf: (record: T) => Tags,
): (record: T) => boolean {
  const predicates = filters.map((filter): ((record: T) => boolean) => {
    if (filter.values.length === 0) {
      throw invalidParameterValue(`The filter '${filter.name}' requires at least one value`);
    }
    const matchers = filter.values.map(valueMatcher);
    if (filter.name.startsWith('tag:')) {
      const key = filter.name.slice('tag:'.length);
      return (record) => {
        const tags = tagsOf(record);
        return Object.hasOwn(tags, key) && anyMatches(matchers, [tags[key]]);
      };
    }
    if (filter.name === 'tag-key')
      return (record) => anyMatches(matchers, Object.keys(tagsOf(record)));
    if (filter.name === 'tag-value') {
      return (record) => anyMatches(matchers, Object.values(tagsOf(record)));
    }
    const field = Object.hasOwn(fields, filter.name) ? fields[filter.name] : undefined;
    if (field === undefined) throw invalidParameterValue(`The filter '${filter.name}' is invalid`);
    return (record) => {
      const value = field(record);
      return anyMatches(
        matchers,
        typeof value === 'string' || value === undefined ? [value] : value,
      );
    };
  });
  return (record) => predicates.every((matches) => matches(record));
}

export const bool = (value: boolean): string => (value ? 'true' : 'false');
