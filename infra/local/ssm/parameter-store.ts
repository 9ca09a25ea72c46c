import type { SsmParameterLookup } from '../ec2/ssm-parameters';
import { parameterNotFound, SsmError, validationError } from './errors';
import { checkParameterName, nameFromArn, parameterArn, parameterKey } from './parameter-names';

export type ParameterType = 'String' | 'StringList' | 'SecureString';
export type ParameterDataType = 'text' | 'aws:ec2:image';

export interface ParameterVersionRecord {
  version: number;
  value: string;
  type: ParameterType;
  dataType: ParameterDataType;
  description?: string;
  allowedPattern?: string;
  lastModifiedMs: number;
}

export interface ParameterRecord {
  /** Creation order; pagination tokens and reference checks rely on it. */
  seq: number;
  /** As created: `/a/b`, `/foo` or `foo`. */
  name: string;
  tags: Record<string, string>;
  /** Oldest first; the last is the current value. */
  versions: ParameterVersionRecord[];
}

/** Everything the store knows; `snapshotState()` returns it and `state` takes it back. */
export interface SsmState {
  format: 'ami-lifecycle.local-ssm';
  version: 1;
  seq: number;
  parameters: ParameterRecord[];
}

export interface PutParameterInput {
  name: string;
  value: string;
  type?: ParameterType;
  dataType?: ParameterDataType;
  description?: string;
  allowedPattern?: string;
  overwrite?: boolean;
  tags?: Record<string, string>;
}

/** Parameter Store keeps the last 100 versions of a parameter. */
const MAX_VERSIONS = 100;
const MAX_STANDARD_VALUE_LENGTH = 4096;
const AMI_ID = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;

/** A parameter at one version: what Get* answers are made of. */
export interface ParameterView {
  record: ParameterRecord;
  current: ParameterVersionRecord;
  /** The `:version` a selector asked for, echoed as `Selector`. */
  selector?: string;
}

/**
 * Parameter Store's records for one account and Region. Plain data, so the whole state can be
 * saved and read back; the clock is injected.
 */
export class ParameterStore {
  private seq = 0;
  private readonly byKey = new Map<string, ParameterRecord>();

  constructor(
    readonly region: string,
    readonly accountId: string,
    private readonly now: () => number,
    state?: SsmState,
  ) {
    if (state) this.load(state);
  }

  arnOf(record: ParameterRecord): string {
    return parameterArn(this.region, this.accountId, record.name);
  }

  put(input: PutParameterInput): { version: number } {
    checkParameterName(input.name);
    const existing = this.byKey.get(parameterKey(input.name));
    if (existing !== undefined && !input.overwrite) {
      throw new SsmError(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    }
    if (existing !== undefined && input.tags !== undefined) {
      throw validationError(
        "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
      );
    }
    const previous = existing?.versions.at(-1);
    const type = input.type ?? previous?.type;
    if (type === undefined)
      throw validationError('A parameter type is required when you create a parameter.');
    const dataType = input.dataType ?? previous?.dataType ?? 'text';
    if (input.value.length === 0 || input.value.length > MAX_STANDARD_VALUE_LENGTH) {
      throw validationError(
        `Standard tier parameters support a value of 1-${MAX_STANDARD_VALUE_LENGTH} characters.`,
      );
    }
    if (dataType === 'aws:ec2:image') {
      if (type !== 'String') {
        throw validationError(
          'The aws:ec2:image data type is supported only for String parameters.',
        );
      }
      // AWS accepts the call and validates asynchronously (the parameter is then not created);
      // locally the format is checked at once, so a bad value fails the call itself.
      if (!AMI_ID.test(input.value)) {
        throw validationError(
          `Parameter value ${input.value} is not a valid AMI id (ami-<8 or 17 hex digits>).`,
        );
      }
    }
    const allowedPattern = input.allowedPattern ?? previous?.allowedPattern;
    if (allowedPattern !== undefined && !new RegExp(allowedPattern).test(input.value)) {
      throw new SsmError(
        'ParameterPatternMismatchException',
        `Parameter value, cannot be validated against allowedPattern: ${allowedPattern}`,
      );
    }
    const version: ParameterVersionRecord = {
      version: (previous?.version ?? 0) + 1,
      value: input.value,
      type,
      dataType,
      lastModifiedMs: this.now(),
      ...withDefined({ description: input.description ?? previous?.description, allowedPattern }),
    };
    if (existing === undefined) {
      this.seq += 1;
      this.byKey.set(parameterKey(input.name), {
        seq: this.seq,
        name: input.name,
        tags: { ...input.tags },
        versions: [version],
      });
    } else {
      existing.versions.push(version);
      if (existing.versions.length > MAX_VERSIONS) existing.versions.shift();
    }
    return { version: version.version };
  }

  /** A parameter by name, ARN, or `name:version`; undefined when there is no such parameter. */
  find(selector: string): ParameterView | undefined {
    const { name, version } = parseSelector(selector);
    const record = this.byKey.get(parameterKey(name));
    if (record === undefined) return undefined;
    if (version === undefined)
      return { record, current: record.versions.at(-1) as ParameterVersionRecord };
    const found = record.versions.find((v) => v.version === version);
    if (found === undefined) {
      throw new SsmError(
        'ParameterVersionNotFound',
        `Systems Manager could not find version ${version} of ${name}. Verify the version and try again.`,
      );
    }
    return { record, current: found, selector: `:${version}` };
  }

  get(selector: string): ParameterView {
    const found = this.find(selector);
    if (found === undefined) throw parameterNotFound(parseSelector(selector).name);
    return found;
  }

  delete(name: string): boolean {
    const key = parameterKey(nameFromArn(name) ?? name);
    return this.byKey.delete(key);
  }

  /** Every parameter in creation order. */
  all(): ParameterRecord[] {
    return [...this.byKey.values()].sort((a, b) => a.seq - b.seq);
  }

  /** What EC2 reads: aliases and parameters referencing images. */
  readonly lookup: SsmParameterLookup = {
    valueOf: (selector) => {
      try {
        return this.find(selector)?.current.value;
      } catch (error) {
        if (error instanceof SsmError) return undefined;
        throw error;
      }
    },
    parameters: () =>
      this.all().map((record) => ({
        seq: record.seq,
        name: record.name,
        arn: this.arnOf(record),
        value: (record.versions.at(-1) as ParameterVersionRecord).value,
      })),
  };

  toState(): SsmState {
    return structuredClone({
      format: 'ami-lifecycle.local-ssm',
      version: 1,
      seq: this.seq,
      parameters: this.all(),
    });
  }

  load(state: SsmState): void {
    if (state.format !== 'ami-lifecycle.local-ssm' || state.version !== 1) {
      throw new Error(
        `Not a saved local SSM state: ${String(state.format)} v${String(state.version)}`,
      );
    }
    this.byKey.clear();
    this.seq = state.seq;
    for (const record of structuredClone(state.parameters)) {
      this.byKey.set(parameterKey(record.name), record);
    }
  }

  reset(): void {
    this.byKey.clear();
    this.seq = 0;
  }
}

/** `name`, `name:3` (version 3) or an ARN; labels (`name:label`) are not kept locally. */
function parseSelector(selector: string): { name: string; version?: number } {
  const fromArn = nameFromArn(selector.replace(/:\d+$/, ''));
  const versionMatch = /:(\d+)$/.exec(selector);
  const base = fromArn ?? (versionMatch ? selector.slice(0, versionMatch.index) : selector);
  if (versionMatch) return { name: base, version: Number(versionMatch[1]) };
  if (fromArn === undefined && selector.includes(':')) {
    throw validationError(`Parameter labels are not emulated locally: ${selector}`);
  }
  return { name: base };
}

function withDefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
