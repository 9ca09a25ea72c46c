import { Ec2Error, invalidParameterValue, missingParameter } from './errors';

/** One `Filter.N` of an EC2 request: a name and its values (any value may match). */
export interface Filter {
  readonly name: string;
  readonly values: readonly string[];
}

export interface TagSpecification {
  readonly resourceType: string;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The form-encoded parameters of an EC2 Query request. Lists arrive flattened with 1-based
 * indexes (`ImageId.1`, `Filter.2.Value.1`, `TagSpecification.1.Tag.3.Key`); the helpers here
 * rebuild them in index order.
 */
export class QueryParams {
  private readonly values: Map<string, string>;

  constructor(body: string) {
    this.values = new Map(new URLSearchParams(body));
  }

  get action(): string | undefined {
    return this.values.get('Action');
  }

  /** Whether any parameter is `name` or starts with `name.` (a list or structure). */
  has(name: string): boolean {
    for (const key of this.values.keys()) {
      if (key === name || key.startsWith(`${name}.`)) return true;
    }
    return false;
  }

  string(name: string): string | undefined {
    return this.values.get(name);
  }

  required(name: string): string {
    const value = this.values.get(name);
    if (value === undefined || value === '') throw missingParameter(name);
    return value;
  }

  boolean(name: string): boolean | undefined {
    const value = this.values.get(name);
    if (value === undefined) return undefined;
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw invalidParameterValue(
      `Value (${value}) for parameter ${name} is invalid. Expected a boolean.`,
    );
  }

  integer(name: string): number | undefined {
    const value = this.values.get(name);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value)) {
      throw new Ec2Error(
        'InvalidParameterValue',
        `Value (${value}) for parameter ${name} is invalid. Expected an integer.`,
      );
    }
    return Number(value);
  }

  /** Values of `prefix.1`, `prefix.2`, ... in index order. */
  list(prefix: string): string[] {
    return this.indexes(prefix).map((index) => this.values.get(`${prefix}.${index}`) ?? '');
  }

  filters(): Filter[] {
    return this.indexes('Filter').map((index) => {
      const name = this.values.get(`Filter.${index}.Name`);
      if (name === undefined) throw missingParameter(`Filter.${index}.Name`);
      return { name, values: this.list(`Filter.${index}.Value`) };
    });
  }

  /** `prefix.N.Key` / `prefix.N.Value` pairs; a missing value is the empty string as on EC2. */
  tags(prefix = 'Tag'): Record<string, string> {
    const tags: Record<string, string> = {};
    for (const index of this.indexes(prefix)) {
      const key = this.values.get(`${prefix}.${index}.Key`);
      if (key === undefined) throw missingParameter(`${prefix}.${index}.Key`);
      tags[key] = this.values.get(`${prefix}.${index}.Value`) ?? '';
    }
    return tags;
  }

  /** Tag keys with an optional value each (DeleteTags deletes by key, or by key and value). */
  tagKeys(prefix = 'Tag'): { key: string; value: string | undefined }[] {
    return this.indexes(prefix).map((index) => {
      const key = this.values.get(`${prefix}.${index}.Key`);
      if (key === undefined) throw missingParameter(`${prefix}.${index}.Key`);
      return { key, value: this.values.get(`${prefix}.${index}.Value`) };
    });
  }

  tagSpecifications(): TagSpecification[] {
    return this.indexes('TagSpecification').map((index) => {
      const prefix = `TagSpecification.${index}`;
      const resourceType = this.values.get(`${prefix}.ResourceType`);
      if (resourceType === undefined) throw missingParameter(`${prefix}.ResourceType`);
      return { resourceType, tags: this.tags(`${prefix}.Tag`) };
    });
  }

  /** The distinct N of every `prefix.N...` parameter, ascending (members of a list of structures). */
  indexes(prefix: string): number[] {
    const found = new Set<number>();
    const start = `${prefix}.`;
    for (const name of this.values.keys()) {
      if (!name.startsWith(start)) continue;
      const rest = name.slice(start.length);
      const digits = /^(\d+)(\.|$)/.exec(rest)?.[1];
      if (digits !== undefined) found.add(Number(digits));
    }
    return [...found].sort((a, b) => a - b);
  }
}
