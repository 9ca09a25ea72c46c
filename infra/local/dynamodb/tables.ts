import type { LocalTableSpec } from '../template/local-template';

type AttributeValue = Record<string, unknown>;
type Item = Record<string, AttributeValue>;

export interface LocalTables {
  putItem(input: unknown): Record<string, never>;
  getItem(input: unknown): { Item?: Item };
  deleteItem(input: unknown): Record<string, never>;
}

/**
 * The template's DynamoDB tables, in memory, for the state machines' DynamoDB Tasks: PutItem,
 * GetItem and DeleteItem by partition key, which is all they do. Nothing is persisted: the items
 * are task tokens of running checks, and a restart runs those executions again with new tokens.
 */
export function createLocalTables(specs: readonly LocalTableSpec[]): LocalTables {
  const tables = new Map(
    specs.map((spec) => [spec.name, { spec, items: new Map<string, Item>() }]),
  );

  const tableOf = (input: unknown) => {
    const name = (input as { TableName?: unknown } | null)?.TableName;
    const table = typeof name === 'string' ? tables.get(name) : undefined;
    if (!table) {
      throw Object.assign(new Error(`Requested resource not found: Table: ${String(name)}`), {
        name: 'DynamoDb.ResourceNotFoundException',
      });
    }
    return table;
  };
  const keyOf = (spec: LocalTableSpec, item: unknown): string => {
    const value = (item as Item | undefined)?.[spec.partitionKey];
    if (value === undefined) {
      throw Object.assign(
        new Error(`One of the required keys was not given a value: ${spec.partitionKey}`),
        { name: 'DynamoDb.ValidationException' },
      );
    }
    return JSON.stringify(value);
  };

  return {
    putItem(input) {
      const { spec, items } = tableOf(input);
      const item = (input as { Item: Item }).Item;
      items.set(keyOf(spec, item), structuredClone(item));
      return {};
    },
    getItem(input) {
      const { spec, items } = tableOf(input);
      const item = items.get(keyOf(spec, (input as { Key?: unknown }).Key));
      return item ? { Item: structuredClone(item) } : {};
    },
    deleteItem(input) {
      const { spec, items } = tableOf(input);
      items.delete(keyOf(spec, (input as { Key?: unknown }).Key));
      return {};
    },
  };
}
