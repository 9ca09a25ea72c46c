import { describeIssues } from '../../../events/issues';
import * as z from '../../../events/zod';
import { TemplateResolutionError } from './intrinsics';
import type { LocalKeyAttribute, LocalTableSpec } from './local-template';

const KeySchema = z.array(
  z.object({ AttributeName: z.string(), KeyType: z.enum(['HASH', 'RANGE']) }),
);
const TableProperties = z.object({
  KeySchema,
  AttributeDefinitions: z.array(
    z.object({ AttributeName: z.string(), AttributeType: z.enum(['S', 'N', 'B']) }),
  ),
  GlobalSecondaryIndexes: z.optional(
    z.array(
      z.object({
        IndexName: z.string(),
        KeySchema,
        Projection: z.object({
          ProjectionType: z.optional(z.enum(['ALL', 'KEYS_ONLY', 'INCLUDE'])),
          NonKeyAttributes: z.optional(z.array(z.string())),
        }),
      }),
    ),
  ),
  TimeToLiveSpecification: z.optional(
    z.object({ AttributeName: z.optional(z.string()), Enabled: z.boolean() }),
  ),
});

/** Reads an `AWS::DynamoDB::Table` resource: its key schema with types, indexes and TTL. */
export function readTableSpec(
  logicalId: string,
  name: string,
  resource: { readonly Properties?: Record<string, unknown> },
): LocalTableSpec {
  const parsed = TableProperties.safeParse(resource.Properties ?? {});
  if (!parsed.success) {
    throw new TemplateResolutionError(`${logicalId}: ${describeIssues(parsed.error)}`);
  }
  const props = parsed.data;
  const typeOf = new Map(
    props.AttributeDefinitions.map((attribute) => [
      attribute.AttributeName,
      attribute.AttributeType,
    ]),
  );
  const keysOf = (keys: z.infer<typeof KeySchema>, owner: string) => {
    const attribute = (keyType: 'HASH' | 'RANGE'): LocalKeyAttribute | undefined => {
      const name = keys.find((key) => key.KeyType === keyType)?.AttributeName;
      if (name === undefined) return undefined;
      const type = typeOf.get(name);
      if (!type)
        throw new TemplateResolutionError(`${owner}: key ${name} has no AttributeDefinition`);
      return { name, type };
    };
    const partitionKey = attribute('HASH');
    if (!partitionKey) throw new TemplateResolutionError(`${owner} has no partition key`);
    const sortKey = attribute('RANGE');
    return { partitionKey, ...(sortKey ? { sortKey } : {}) };
  };
  const ttl = props.TimeToLiveSpecification;
  return {
    logicalId,
    name,
    ...keysOf(props.KeySchema, logicalId),
    globalSecondaryIndexes: (props.GlobalSecondaryIndexes ?? []).map((index) => ({
      name: index.IndexName,
      ...keysOf(index.KeySchema, `${logicalId} index ${index.IndexName}`),
      projection: {
        type: index.Projection.ProjectionType ?? 'ALL',
        ...(index.Projection.NonKeyAttributes
          ? { nonKeyAttributes: index.Projection.NonKeyAttributes }
          : {}),
      },
    })),
    ...(ttl?.Enabled && ttl.AttributeName ? { timeToLiveAttribute: ttl.AttributeName } : {}),
  };
}
