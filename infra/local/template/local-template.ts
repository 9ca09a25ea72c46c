import { join } from 'node:path';
import { describeIssues } from '../../../events/issues';
import * as z from '../../../events/zod';
import { TEMPLATE_METADATA } from '../../template-metadata';
import {
  type ResolveContext,
  resolveString,
  resolveValue,
  TemplateResolutionError,
} from './intrinsics';

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

export interface CloudFormationTemplate {
  readonly Resources: Record<string, Resource>;
}

export interface LocalFunctionSpec {
  readonly logicalId: string;
  readonly service: string;
  readonly functionName: string;
  readonly arn: string;
  /** The handler's TypeScript source: `services/<service>/handler.ts`. */
  readonly entry: string;
  readonly environment: Record<string, string>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** Lambda's own retries of a failed asynchronous invocation (EventInvokeConfig), 0–2. */
  readonly asyncRetryAttempts: number;
  /** Where Lambda sends an asynchronous invocation that failed every attempt. */
  readonly onFailureArn?: string;
}

export interface LocalRuleTarget {
  readonly id: string;
  readonly arn: string;
  readonly input?: string;
  readonly inputTransformer?: { inputPathsMap: Record<string, string>; inputTemplate: string };
  readonly retryPolicy?: { maximumRetryAttempts: number; maximumEventAgeInSeconds: number };
  readonly deadLetterArn?: string;
}

export interface LocalRuleSpec {
  readonly logicalId: string;
  readonly name: string;
  /** Absent for the default bus (scheduled rules). */
  readonly eventBusName?: string;
  readonly eventPattern?: Record<string, unknown>;
  readonly scheduleExpression?: string;
  readonly targets: readonly LocalRuleTarget[];
}

export interface LocalStateMachineSpec {
  readonly logicalId: string;
  /** Its `ami-lifecycle:service` metadata: `watcher` or `watcher-wake-up`. */
  readonly service: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  readonly name: string;
  readonly arn: string;
  readonly definition: Record<string, unknown>;
  /** The execution role's ARN, as DescribeStateMachine shows it. */
  readonly roleArn?: string;
}

/** A key attribute of a table or index, with its DynamoDB scalar type. */
export interface LocalKeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N' | 'B';
}

export interface LocalTableIndexSpec {
  readonly name: string;
  readonly partitionKey: LocalKeyAttribute;
  readonly sortKey?: LocalKeyAttribute;
  readonly projection: {
    readonly type: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
    readonly nonKeyAttributes?: readonly string[];
  };
}

export interface LocalTableSpec {
  readonly logicalId: string;
  /** The physical name, as the functions receive it in their environment. */
  readonly name: string;
  readonly partitionKey: LocalKeyAttribute;
  readonly sortKey?: LocalKeyAttribute;
  readonly globalSecondaryIndexes: readonly LocalTableIndexSpec[];
  /** The attribute named by `TimeToLiveSpecification`, when enabled. */
  readonly timeToLiveAttribute?: string;
}

export interface LocalApiRoute {
  readonly stage: string;
  readonly method: string;
  readonly resourcePath: string;
  readonly functionLogicalId: string;
}

/** An SQS queue of the template (see infra/local/sqs/queues.ts). */
export interface LocalTemplateQueue {
  readonly name: string;
  readonly arn: string;
  readonly visibilityTimeoutSeconds: number;
  readonly retentionSeconds: number;
  readonly redrive?: { readonly deadLetterArn: string; readonly maxReceiveCount: number };
  readonly deadLetters: boolean;
}

/** An event source mapping from a queue to a function. */
export interface LocalTemplateEventSourceMapping {
  readonly queueArn: string;
  readonly functionName: string;
  readonly batchSize: number;
  readonly reportBatchItemFailures: boolean;
}

/** What the local cloud runs, read from the synthesized template and resolved to local values. */
export interface LocalTemplate {
  readonly bus: { readonly logicalId: string; readonly name: string; readonly arn: string };
  readonly functions: readonly LocalFunctionSpec[];
  readonly rules: readonly LocalRuleSpec[];
  /** ARNs of the dead-letter queues (`ami-lifecycle:role` `dead-letters`): a rule target there dead-letters. */
  readonly deadLetterQueueArns: readonly string[];
  /** Every SQS queue, dead-letter queues included. */
  readonly queues: readonly LocalTemplateQueue[];
  readonly eventSourceMappings: readonly LocalTemplateEventSourceMapping[];
  /** The watcher. */
  readonly stateMachine: LocalStateMachineSpec;
  /** Every state machine of the stack, the watcher included. */
  readonly stateMachines: readonly LocalStateMachineSpec[];
  /** DynamoDB tables, with their key schema and global secondary indexes. */
  readonly tables: readonly LocalTableSpec[];
  readonly routes: readonly LocalApiRoute[];
  /** Physical names and ARNs of every resource, for timelines and errors. */
  readonly arnOf: (logicalId: string) => string;
}

export interface LocalAccount {
  readonly region: string;
  readonly accountId: string;
  readonly stackName: string;
  /** The repository root, where `services/<name>/handler.ts` live. */
  readonly sourceRoot: string;
}

/**
 * Reads the resources the local cloud needs from the synthesized template: the bus, the functions
 * (found by their `ami-lifecycle:service` metadata) with their resolved environments, the bus
 * rules and schedules with their targets, the state machine's definition and the API's routes.
 */
export function readLocalTemplate(
  template: CloudFormationTemplate,
  account: LocalAccount,
): LocalTemplate {
  const resources = template.Resources;
  const { region, accountId, stackName } = account;
  const physicalName = (logicalId: string): string => {
    const resource = requireResource(resources, logicalId);
    const props = resource.Properties ?? {};
    const named =
      props.Name ??
      props.FunctionName ??
      props.StateMachineName ??
      props.QueueName ??
      props.TableName;
    return typeof named === 'string' ? named : `${stackName}-${logicalId}`;
  };
  const context: ResolveContext = {
    region,
    accountId,
    stackName,
    ref: (logicalId) => {
      const resource = requireResource(resources, logicalId);
      switch (resource.Type) {
        case 'AWS::StepFunctions::StateMachine':
        case 'AWS::SecretsManager::Secret':
          return arn(resource.Type, physicalName(logicalId));
        case 'AWS::SQS::Queue':
          return `http://sqs.${region}.localhost/${accountId}/${physicalName(logicalId)}`;
        default:
          return physicalName(logicalId);
      }
    },
    attribute: (logicalId, attribute) => {
      const resource = requireResource(resources, logicalId);
      if (attribute === 'Arn') return arn(resource.Type, physicalName(logicalId));
      if (attribute === 'Name' || attribute === 'QueueName') return physicalName(logicalId);
      if (attribute === 'RootResourceId') return '/';
      return `${physicalName(logicalId)}.${attribute}`;
    },
  };
  const arn = (type: string, name: string): string => {
    switch (type) {
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${region}:${accountId}:function:${name}`;
      case 'AWS::Events::EventBus':
        return `arn:aws:events:${region}:${accountId}:event-bus/${name}`;
      case 'AWS::Events::Rule':
        return `arn:aws:events:${region}:${accountId}:rule/${name}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:aws:states:${region}:${accountId}:stateMachine:${name}`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${accountId}:role/${name}`;
      case 'AWS::SQS::Queue':
        return `arn:aws:sqs:${region}:${accountId}:${name}`;
      case 'AWS::DynamoDB::Table':
        return `arn:aws:dynamodb:${region}:${accountId}:table/${name}`;
      case 'AWS::SecretsManager::Secret':
        return `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}`;
      case 'AWS::Logs::LogGroup':
        return `arn:aws:logs:${region}:${accountId}:log-group:${name}:*`;
      default:
        return `arn:aws:${type.split('::')[1]?.toLowerCase() ?? 'local'}:${region}:${accountId}:${name}`;
    }
  };
  const entries = Object.entries(resources);
  const ofType = (type: string) => entries.filter(([, resource]) => resource.Type === type);

  const [busEntry] = ofType('AWS::Events::EventBus').filter(
    ([, resource]) => resource.Metadata?.[TEMPLATE_METADATA.role] === 'event-bus',
  );
  if (!busEntry) throw new TemplateResolutionError('the template has no event bus');
  const bus = {
    logicalId: busEntry[0],
    name: physicalName(busEntry[0]),
    arn: arn('AWS::Events::EventBus', physicalName(busEntry[0])),
  };

  const invokeConfigs = new Map(
    ofType('AWS::Lambda::EventInvokeConfig').map(([, resource]) => {
      const props = resource.Properties ?? {};
      return [
        resolveString(props.FunctionName, context, 'EventInvokeConfig.FunctionName'),
        props,
      ] as const;
    }),
  );
  const functions = ofType('AWS::Lambda::Function').flatMap(([logicalId, resource]) => {
    const service = resource.Metadata?.[TEMPLATE_METADATA.service];
    if (typeof service !== 'string') return [];
    const props = resource.Properties ?? {};
    const variables = (props.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables;
    const functionName = physicalName(logicalId);
    const invokeConfig = invokeConfigs.get(functionName) as
      | {
          MaximumRetryAttempts?: number;
          DestinationConfig?: { OnFailure?: { Destination?: unknown } };
        }
      | undefined;
    const onFailure = invokeConfig?.DestinationConfig?.OnFailure?.Destination;
    const spec: LocalFunctionSpec = {
      logicalId,
      service,
      functionName,
      arn: arn(resource.Type, functionName),
      entry: join(account.sourceRoot, 'services', service, 'handler.ts'),
      environment: Object.fromEntries(
        Object.entries(variables ?? {}).map(([key, value]) => [
          key,
          resolveString(value, context, `${logicalId} environment ${key}`),
        ]),
      ),
      timeoutSeconds: Number(props.Timeout ?? 3),
      memoryMb: Number(props.MemorySize ?? 128),
      asyncRetryAttempts: invokeConfig?.MaximumRetryAttempts ?? 2,
      ...(onFailure === undefined
        ? {}
        : { onFailureArn: resolveString(onFailure, context, `${logicalId} OnFailure`) }),
    };
    return [spec];
  });

  const rules = ofType('AWS::Events::Rule').map(([logicalId, resource]): LocalRuleSpec => {
    const props = resource.Properties ?? {};
    const targets = (props.Targets as Record<string, unknown>[] | undefined) ?? [];
    return {
      logicalId,
      name: physicalName(logicalId),
      ...(props.EventBusName === undefined
        ? {}
        : {
            eventBusName: resolveString(props.EventBusName, context, `${logicalId} EventBusName`),
          }),
      ...(props.EventPattern === undefined
        ? {}
        : { eventPattern: resolveValue(props.EventPattern, context) as Record<string, unknown> }),
      ...(typeof props.ScheduleExpression === 'string'
        ? { scheduleExpression: props.ScheduleExpression }
        : {}),
      targets: targets.map((target) => {
        const retry = target.RetryPolicy as
          | { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number }
          | undefined;
        const deadLetter = (target.DeadLetterConfig as { Arn?: unknown } | undefined)?.Arn;
        const transformer = target.InputTransformer as
          | { InputPathsMap?: Record<string, unknown>; InputTemplate?: unknown }
          | undefined;
        return {
          id: String(target.Id),
          arn: resolveString(target.Arn, context, `${logicalId} target Arn`),
          ...(target.Input === undefined
            ? {}
            : { input: resolveString(target.Input, context, `${logicalId} target Input`) }),
          ...(transformer === undefined
            ? {}
            : {
                inputTransformer: {
                  inputPathsMap: resolveValue(transformer.InputPathsMap ?? {}, context) as Record<
                    string,
                    string
                  >,
                  inputTemplate: resolveString(
                    transformer.InputTemplate,
                    context,
                    `${logicalId} InputTemplate`,
                  ),
                },
              }),
          ...(retry
            ? {
                retryPolicy: {
                  maximumRetryAttempts: retry.MaximumRetryAttempts ?? 185,
                  maximumEventAgeInSeconds: retry.MaximumEventAgeInSeconds ?? 86_400,
                },
              }
            : {}),
          ...(deadLetter === undefined
            ? {}
            : {
                deadLetterArn: resolveString(deadLetter, context, `${logicalId} dead-letter Arn`),
              }),
        };
      }),
    };
  });

  const stateMachines = ofType('AWS::StepFunctions::StateMachine').flatMap(
    ([logicalId, machine]): LocalStateMachineSpec[] => {
      const service = machine.Metadata?.[TEMPLATE_METADATA.service];
      if (typeof service !== 'string') return [];
      const machineProps = machine.Properties ?? {};
      const substitutions = resolveValue(
        machineProps.DefinitionSubstitutions ?? {},
        context,
      ) as Record<string, unknown>;
      const definitionText = resolveString(
        machineProps.DefinitionString,
        context,
        `${logicalId} DefinitionString`,
      ).replace(/\$\{([^}]+)\}/g, (match, key: string) =>
        key in substitutions ? String(substitutions[key]) : match,
      );
      return [
        {
          logicalId,
          service,
          type: machineProps.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
          name: physicalName(logicalId),
          arn: arn(machine.Type, physicalName(logicalId)),
          definition: JSON.parse(definitionText) as Record<string, unknown>,
          ...(machineProps.RoleArn === undefined
            ? {}
            : { roleArn: String(resolveValue(machineProps.RoleArn, context)) }),
        },
      ];
    },
  );
  const stateMachine = stateMachines.find((machine) => machine.service === 'watcher');
  if (!stateMachine) throw new TemplateResolutionError('the template has no watcher state machine');

  const tables = ofType('AWS::DynamoDB::Table').map(([logicalId, resource]) =>
    readTableSpec(logicalId, physicalName(logicalId), resource),
  );

  const deadLetterQueueArns = ofType('AWS::SQS::Queue')
    .filter(([, queue]) => queue.Metadata?.[TEMPLATE_METADATA.role] === 'dead-letters')
    .map(([logicalId, queue]) => arn(queue.Type, physicalName(logicalId)));

  const queues = ofType('AWS::SQS::Queue').map(([logicalId, queue]): LocalTemplateQueue => {
    const props = queue.Properties ?? {};
    const redrive = props.RedrivePolicy as
      | { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown }
      | undefined;
    return {
      name: physicalName(logicalId),
      arn: arn(queue.Type, physicalName(logicalId)),
      // SQS's defaults: 30 s and 4 days.
      visibilityTimeoutSeconds: Number(props.VisibilityTimeout ?? 30),
      retentionSeconds: Number(props.MessageRetentionPeriod ?? 345_600),
      ...(redrive?.deadLetterTargetArn === undefined
        ? {}
        : {
            redrive: {
              deadLetterArn: resolveString(
                redrive.deadLetterTargetArn,
                context,
                `${logicalId} RedrivePolicy`,
              ),
              maxReceiveCount: Number(redrive.maxReceiveCount ?? 10),
            },
          }),
      deadLetters: queue.Metadata?.[TEMPLATE_METADATA.role] === 'dead-letters',
    };
  });
  const eventSourceMappings = ofType('AWS::Lambda::EventSourceMapping').map(
    ([logicalId, mapping]): LocalTemplateEventSourceMapping => {
      const props = mapping.Properties ?? {};
      return {
        queueArn: resolveString(props.EventSourceArn, context, `${logicalId} EventSourceArn`),
        functionName: resolveString(props.FunctionName, context, `${logicalId} FunctionName`),
        batchSize: Number(props.BatchSize ?? 10),
        reportBatchItemFailures: (
          (props.FunctionResponseTypes as unknown[] | undefined) ?? []
        ).includes('ReportBatchItemFailures'),
      };
    },
  );

  return {
    bus,
    functions,
    rules,
    deadLetterQueueArns,
    queues,
    eventSourceMappings,
    stateMachine,
    stateMachines,
    tables,
    routes: readRoutes(resources, context),
    arnOf: (logicalId) => arn(requireResource(resources, logicalId).Type, physicalName(logicalId)),
  };
}

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

function readRoutes(resources: Record<string, Resource>, context: ResolveContext): LocalApiRoute[] {
  const entries = Object.entries(resources);
  const stages = entries
    .filter(([, resource]) => resource.Type === 'AWS::ApiGateway::Stage')
    .map(([, resource]) => String(resource.Properties?.StageName));
  const pathOf = (resourceId: unknown): string => {
    const logicalId = (resourceId as { Ref?: string } | undefined)?.Ref;
    if (!logicalId) return '';
    const props = requireResource(resources, logicalId).Properties ?? {};
    return `${pathOf(props.ParentId)}/${String(props.PathPart)}`;
  };
  const functionOf = (uri: unknown): string | undefined => {
    const found = JSON.stringify(uri).match(/"Fn::GetAtt":\["([^"]+)","Arn"\]/);
    return found?.[1];
  };
  return entries
    .filter(([, resource]) => resource.Type === 'AWS::ApiGateway::Method')
    .flatMap(([, resource]) => {
      const props = resource.Properties ?? {};
      const integration = props.Integration as { Type?: string; Uri?: unknown } | undefined;
      const functionLogicalId = functionOf(integration?.Uri);
      if (integration?.Type !== 'AWS_PROXY' || !functionLogicalId) return [];
      const method = resolveString(props.HttpMethod, context, 'HttpMethod');
      const resourcePath = pathOf(props.ResourceId) || '/';
      return stages.map((stage) => ({ stage, method, resourcePath, functionLogicalId }));
    });
}

function requireResource(resources: Record<string, Resource>, logicalId: string): Resource {
  const resource = resources[logicalId];
  if (!resource) throw new TemplateResolutionError(`the template has no resource ${logicalId}`);
  return resource;
}
