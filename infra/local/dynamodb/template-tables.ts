import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import type { LocalKeyAttribute, LocalTableSpec } from '../template/local-template';

/** A saved table the local cloud cannot use as the template defines it. */
export class SavedTableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SavedTableError';
  }
}

/** How long a table may take to turn ACTIVE: dynalite flips it on its next turn. */
const ACTIVE_WITHIN_MS = 5_000;

/**
 * Creates each of the template's tables unless it exists, and waits until all are ACTIVE, so a
 * restart on saved state keeps its items. A saved table whose keys or indexes differ from the
 * template's is refused rather than dropped: its items may be the only record of a purge.
 */
export async function ensureTemplateTables(
  client: DynamoDBClient,
  specs: readonly LocalTableSpec[],
): Promise<void> {
  for (const spec of specs) {
    try {
      await client.send(new CreateTableCommand(createTableInput(spec)));
    } catch (error) {
      if ((error as Error).name !== 'ResourceInUseException') throw error;
    }
    const table = await waitUntilActive(client, spec.name);
    const difference = schemaDifference(spec, table);
    if (difference) {
      throw new SavedTableError(
        `the saved table ${spec.name} ${difference}; start with --reset to recreate it`,
      );
    }
  }
}

/** The CreateTable request for a template table: on demand, as the stack deploys it. */
export function createTableInput(spec: LocalTableSpec): CreateTableCommandInput {
  const attributes = new Map<string, LocalKeyAttribute>();
  const keySchemaOf = (keys: { partitionKey: LocalKeyAttribute; sortKey?: LocalKeyAttribute }) => {
    for (const key of [keys.partitionKey, keys.sortKey]) if (key) attributes.set(key.name, key);
    return keySchema(keys);
  };
  const tableKeys = keySchemaOf(spec);
  const indexes = spec.globalSecondaryIndexes.map((index) => ({
    IndexName: index.name,
    KeySchema: keySchemaOf(index),
    Projection: {
      ProjectionType: index.projection.type,
      ...(index.projection.nonKeyAttributes
        ? { NonKeyAttributes: [...index.projection.nonKeyAttributes] }
        : {}),
    },
  }));
  return {
    TableName: spec.name,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: tableKeys,
    AttributeDefinitions: [...attributes.values()].map((attribute) => ({
      AttributeName: attribute.name,
      AttributeType: attribute.type,
    })),
    ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
  };
}

function keySchema(keys: {
  partitionKey: LocalKeyAttribute;
  sortKey?: LocalKeyAttribute;
}): KeySchemaElement[] {
  return [
    { AttributeName: keys.partitionKey.name, KeyType: 'HASH' },
    ...(keys.sortKey ? [{ AttributeName: keys.sortKey.name, KeyType: 'RANGE' as const }] : []),
  ];
}

/** What differs between the template's table and the saved one, or undefined if nothing does. */
export function schemaDifference(
  spec: LocalTableSpec,
  table: TableDescription,
): string | undefined {
  const wanted = createTableInput(spec);
  const describeKeys = (keys: KeySchemaElement[] | undefined) =>
    (keys ?? []).map((key) => `${key.AttributeName} ${key.KeyType}`).join(', ');
  if (describeKeys(table.KeySchema) !== describeKeys(wanted.KeySchema)) {
    return `has keys (${describeKeys(table.KeySchema)}), the template (${describeKeys(wanted.KeySchema)})`;
  }
  const indexesOf = (indexes: { IndexName?: string; KeySchema?: KeySchemaElement[] }[] = []) =>
    indexes
      .map((index) => `${index.IndexName}: ${describeKeys(index.KeySchema)}`)
      .sort()
      .join('; ');
  const saved = indexesOf(table.GlobalSecondaryIndexes);
  const template = indexesOf(wanted.GlobalSecondaryIndexes);
  return saved === template
    ? undefined
    : `has global secondary indexes (${saved}), the template (${template})`;
}

async function waitUntilActive(client: DynamoDBClient, tableName: string) {
  const deadline = Date.now() + ACTIVE_WITHIN_MS;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return Table;
    if (Date.now() > deadline) {
      // A table left CREATING (the process died between dynalite's two writes) refuses items
      // and cannot be deleted through the API.
      throw new SavedTableError(
        `the saved table ${tableName} is ${Table?.TableStatus}; start with --reset to recreate it`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
