import * as z from '../../../events/zod';
import type { SsmParameterLookup } from '../ec2/ssm-parameters';
import { AwsJsonError, createJsonService, parseInput } from '../endpoint/json-protocol';
import type { LocalRequest, LocalResponse, LocalService } from '../protocol';
import { SsmError } from './errors';
import { compileParameterFilters } from './parameter-filters';
import { checkedPath, isUnderPath } from './parameter-names';
import {
  type ParameterRecord,
  ParameterStore,
  type ParameterVersionRecord,
  type ParameterView,
  type SsmState,
} from './parameter-store';

const parameterType = z.enum(['String', 'StringList', 'SecureString']);
const dataType = z.enum(['text', 'aws:ec2:image']);
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

const putInput = z.object({
  Name: z.string(),
  Value: z.string(),
  Type: z.optional(parameterType),
  DataType: z.optional(z.string()),
  Description: z.optional(z.string().check(z.maxLength(1024))),
  Overwrite: z.optional(z.boolean()),
  AllowedPattern: z.optional(z.string()),
  Tags: z.optional(z.array(z.object({ Key: z.string(), Value: z.string() }))),
  Tier: z.optional(z.enum(['Standard', 'Advanced', 'Intelligent-Tiering'])),
  KeyId: z.optional(z.string()),
  Policies: z.optional(z.string()),
});
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
const deleteInput = z.object({ Name: z.string() });
const deleteManyInput = z.object({
  Names: z.array(z.string()).check(z.minLength(1), z.maxLength(10)),
});

export interface SsmServiceOptions {
  accountId?: string;
  region?: string;
  /** The clock (epoch ms) that stamps `LastModifiedDate`. */
  now?: () => number;
  /** A saved state to start from (what `snapshotState()` returned). */
  state?: SsmState;
}

export interface SsmService extends LocalService {
  /** What the local EC2 reads for `resolve:ssm:` aliases and DescribeImageReferences. */
  readonly parameters: SsmParameterLookup;
  /** A JSON-serialisable copy of every parameter; give it back as `options.state`. */
  snapshotState(): SsmState;
  /** Removes every parameter. */
  reset(): void;
}

/** The JSON protocols carry timestamps as epoch seconds. */
const epochSeconds = (ms: number) => ms / 1_000;

/** Opaque to clients: the operation and the sequence number of the last parameter returned. */
function encodeToken(operation: string, seq: number): string {
  return Buffer.from(JSON.stringify({ o: operation, s: seq })).toString('base64url');
}

function decodeToken(operation: string, token: string | undefined): number {
  if (token === undefined) return 0;
  try {
    const body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      o?: string;
      s?: number;
    };
    if (body.o === operation && Number.isSafeInteger(body.s)) return body.s as number;
  } catch {
    // Falls through to the error Parameter Store gives for a token it did not issue.
  }
  throw new SsmError('InvalidNextToken', "The specified token isn't valid.");
}

/** One page of matching parameters after the token's, with the token for the next. */
function pageOf<T extends { seq: number }>(
  operation: string,
  records: readonly T[],
  limit: number,
  token: string | undefined,
): { items: T[]; NextToken?: string } {
  const after = decodeToken(operation, token);
  const rest = records.filter((record) => record.seq > after);
  const items = rest.slice(0, limit);
  return rest.length > limit
    ? { items, NextToken: encodeToken(operation, (items.at(-1) as T).seq) }
    : { items };
}

/**
 * Parameter Store over AWS JSON 1.1 (`X-Amz-Target: AmazonSSM.*`): PutParameter, GetParameter,
 * GetParameters, GetParametersByPath, DescribeParameters, DeleteParameter, DeleteParameters.
 */
export function createSsmService(options: SsmServiceOptions = {}): SsmService {
  const accountId = options.accountId ?? '123456789012';
  const region = options.region ?? 'us-east-1';
  const store = new ParameterStore(region, accountId, options.now ?? Date.now, options.state);

  // Without decryption a SecureString reads as its ciphertext; locally a stand-in for it.
  const shownValue = (version: ParameterVersionRecord, decrypt: boolean) =>
    version.type === 'SecureString' && !decrypt
      ? Buffer.from(`local-ciphertext:${version.value}`).toString('base64')
      : version.value;

  const render = ({ record, current, selector }: ParameterView, decrypt: boolean) => ({
    Name: record.name,
    Type: current.type,
    Value: shownValue(current, decrypt),
    Version: current.version,
    ...(selector ? { Selector: selector } : {}),
    LastModifiedDate: epochSeconds(current.lastModifiedMs),
    ARN: store.arnOf(record),
    DataType: current.dataType,
  });

  const metadata = (record: ParameterRecord) => {
    const current = record.versions.at(-1) as ParameterVersionRecord;
    return {
      Name: record.name,
      ARN: store.arnOf(record),
      Type: current.type,
      ...(current.type === 'SecureString' ? { KeyId: 'alias/aws/ssm' } : {}),
      LastModifiedDate: epochSeconds(current.lastModifiedMs),
      LastModifiedUser: `arn:aws:iam::${accountId}:root`,
      ...(current.description !== undefined ? { Description: current.description } : {}),
      ...(current.allowedPattern !== undefined ? { AllowedPattern: current.allowedPattern } : {}),
      Version: current.version,
      Tier: 'Standard',
      Policies: [],
      DataType: current.dataType,
    };
  };

  const current = (record: ParameterRecord) => record.versions.at(-1) as ParameterVersionRecord;

  const json = createJsonService({
    targetPrefix: 'AmazonSSM',
    contentType: 'application/x-amz-json-1.1',
    mapError: (error) =>
      error instanceof SsmError
        ? new AwsJsonError(error.code, error.message, error.statusCode)
        : undefined,
    operations: {
      PutParameter(input) {
        const request = parseInput(putInput, input);
        if (request.DataType !== undefined && !dataType.safeParse(request.DataType).success) {
          throw new SsmError(
            'ValidationException',
            `The following data type is not supported: ${request.DataType} (Data type names are all lowercase.)`,
          );
        }
        if (request.Tier !== undefined && request.Tier !== 'Standard') {
          throw new SsmError(
            'ValidationException',
            `The ${request.Tier} tier is not emulated locally; use Standard.`,
          );
        }
        if (request.Policies !== undefined) {
          throw new SsmError('ValidationException', 'Parameter policies are not emulated locally.');
        }
        const { version } = store.put({
          name: request.Name,
          value: request.Value,
          type: request.Type,
          dataType: request.DataType as z.infer<typeof dataType> | undefined,
          description: request.Description,
          allowedPattern: request.AllowedPattern,
          overwrite: request.Overwrite,
          tags: request.Tags && Object.fromEntries(request.Tags.map((tag) => [tag.Key, tag.Value])),
        });
        return { Version: version, Tier: 'Standard' };
      },
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
        const path = checkedPath(request.Path);
        const matches = compileParameterFilters(request.ParameterFilters ?? [], [
          'Type',
          'DataType',
          'Tier',
        ]);
        const records = store
          .all()
          .filter((record) => isUnderPath(record.name, path, request.Recursive ?? false))
          .filter((record) => matches(record, current(record)));
        const { items, NextToken } = pageOf(
          'GetParametersByPath',
          records,
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
        return { Parameters: items.map(metadata), ...(NextToken ? { NextToken } : {}) };
      },
      DeleteParameter(input) {
        const request = parseInput(deleteInput, input);
        if (!store.delete(request.Name)) {
          throw new SsmError('ParameterNotFound', `Parameter ${request.Name} not found.`);
        }
        return {};
      },
      DeleteParameters(input) {
        const request = parseInput(deleteManyInput, input);
        const deleted: string[] = [];
        const invalid: string[] = [];
        for (const name of new Set(request.Names))
          (store.delete(name) ? deleted : invalid).push(name);
        return { DeletedParameters: deleted, InvalidParameters: invalid };
      },
    },
  });

  return {
    parameters: store.lookup,
    snapshotState: () => store.toState(),
    reset: () => store.reset(),
    handle: (request: LocalRequest): Promise<LocalResponse> => json.handle(request),
  };
}
