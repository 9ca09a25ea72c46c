import * as z from '../../../events/zod';
import { type JsonOperation, parseInput } from '../endpoint/json-protocol';
import { pageOf } from './page-tokens';
import { compileParameterFilters } from './parameter-filters';
import { checkedPath, isUnderPath } from './parameter-names';
import type {
  ParameterRecord,
  ParameterStore,
  ParameterVersionRecord,
  ParameterView,
} from './parameter-store';

const filters = z.optional(
  z.array(
    z.object({
      Key: z.string(),
      Option: z.optional(z.string()),
      Values: z.optional(z.array(z.string())),
    }),
  ),
);
const maxResults = (max: number) => z.optional(z.int().check(z.minimum(1), z.maximum(max)));

const getInput = z.object({ Name: z.string(), WithDecryption: z.optional(z.boolean()) });
const getManyInput = z.object({
  Names: z.array(z.string()).check(z.minLength(1), z.maxLength(10)),
  WithDecryption: z.optional(z.boolean()),
});
const byPathInput = z.object({
  Path: z.string(),
  Recursive: z.optional(z.boolean()),
  ParameterFilters: filters,
  WithDecryption: z.optional(z.boolean()),
  MaxResults: maxResults(10),
  NextToken: z.optional(z.string()),
});
const describeInput = z.object({
  ParameterFilters: filters,
  MaxResults: maxResults(50),
  NextToken: z.optional(z.string()),
  Shared: z.optional(z.boolean()),
});

/** The JSON protocols carry timestamps as epoch seconds. */
const epochSeconds = (ms: number) => ms / 1_000;

const current = (record: ParameterRecord) => record.versions.at(-1) as ParameterVersionRecord;

/** GetParameter, GetParameters, GetParametersByPath and DescribeParameters. */
export function readOperations(
  store: ParameterStore,
  accountId: string,
): Record<string, JsonOperation> {
  const render = (view: ParameterView, decrypt: boolean) => parameterOf(store, view, decrypt);
  return {
    GetParameter(input) {
      const request = parseInput(getInput, input);
      return { Parameter: render(store.get(request.Name), request.WithDecryption ?? false) };
    },
    GetParameters(input) {
      const request = parseInput(getManyInput, input);
      const found: ParameterView[] = [];
      const invalid: string[] = [];
      for (const name of new Set(request.Names)) {
        const view = store.find(name);
        if (view === undefined) invalid.push(name);
        else found.push(view);
      }
      return {
        Parameters: found.map((view) => render(view, request.WithDecryption ?? false)),
        InvalidParameters: invalid,
      };
    },
    GetParametersByPath(input) {
      const request = parseInput(byPathInput, input);
      const { items, NextToken } = pageOf(
        'GetParametersByPath',
        parametersUnderPath(store, request),
        request.MaxResults ?? 10,
        request.NextToken,
      );
      return {
        Parameters: items.map((record) =>
          render({ record, current: current(record) }, request.WithDecryption ?? false),
        ),
        ...(NextToken ? { NextToken } : {}),
      };
    },
    DescribeParameters(input) {
      const request = parseInput(describeInput, input);
      if (request.Shared) return { Parameters: [] };
      const matches = compileParameterFilters(request.ParameterFilters ?? []);
      const records = store.all().filter((record) => matches(record, current(record)));
      const { items, NextToken } = pageOf(
        'DescribeParameters',
        records,
        request.MaxResults ?? 50,
        request.NextToken,
      );
      const parameters = items.map((record) => metadataOf(store, record, accountId));
      return { Parameters: parameters, ...(NextToken ? { NextToken } : {}) };
    },
  };
}

/** The parameters GetParametersByPath selects, before paging. */
function parametersUnderPath(
  store: ParameterStore,
  request: z.infer<typeof byPathInput>,
): ParameterRecord[] {
  const path = checkedPath(request.Path);
  const matches = compileParameterFilters(request.ParameterFilters ?? [], [
    'Type',
    'DataType',
    'Tier',
  ]);
  return store
    .all()
    .filter((record) => isUnderPath(record.name, path, request.Recursive ?? false))
    .filter((record) => matches(record, current(record)));
}

// Without decryption a SecureString reads as its ciphertext; locally a stand-in for it.
const shownValue = (version: ParameterVersionRecord, decrypt: boolean) =>
  version.type === 'SecureString' && !decrypt
    ? Buffer.from(`local-ciphertext:${version.value}`).toString('base64')
    : version.value;

/** A parameter as GetParameter and its kin answer it. */
function parameterOf(
  store: ParameterStore,
  { record, current, selector }: ParameterView,
  decrypt: boolean,
) {
  return {
    Name: record.name,
    Type: current.type,
    Value: shownValue(current, decrypt),
    Version: current.version,
    ...(selector ? { Selector: selector } : {}),
    LastModifiedDate: epochSeconds(current.lastModifiedMs),
    ARN: store.arnOf(record),
    DataType: current.dataType,
  };
}

/** A parameter as DescribeParameters answers it: its metadata, without its value. */
function metadataOf(store: ParameterStore, record: ParameterRecord, accountId: string) {
  const version = current(record);
  return {
    Name: record.name,
    ARN: store.arnOf(record),
    Type: version.type,
    ...(version.type === 'SecureString' ? { KeyId: 'alias/aws/ssm' } : {}),
    LastModifiedDate: epochSeconds(version.lastModifiedMs),
    LastModifiedUser: `arn:aws:iam::${accountId}:root`,
    ...(version.description !== undefined ? { Description: version.description } : {}),
    ...(version.allowedPattern !== undefined ? { AllowedPattern: version.allowedPattern } : {}),
    Version: version.version,
    Tier: 'Standard',
    Policies: [],
    DataType: version.dataType,
  };
}
