import { TEMPLATE_METADATA } from '../../template-metadata';
import { readFunctions } from './functions';
import { TemplateResolutionError } from './intrinsics';
import { readDeadLetterQueueArns, readEventSourceMappings, readQueues } from './queues';
import {
  type Resource,
  type ResourceNames,
  resourceNames,
  resourcesOfType,
} from './resource-names';
import { readRoutes } from './routes';
import { readRules } from './rules';
import { readStateMachines } from './state-machines';
import { readTableSpec } from './tables';

export { readTableSpec } from './tables';

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
  /** The integration's `TimeoutInMillis`, API Gateway's 29 s when the template leaves it out. */
  readonly timeoutMs: number;
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
  const names = resourceNames(resources, account);
  // Read in this order, so that of several problems the same one is reported first.
  const bus = readBus(resources, names);
  const functions = readFunctions(resources, names, account.sourceRoot);
  const rules = readRules(resources, names);
  const stateMachines = readStateMachines(resources, names);
  const stateMachine = stateMachines.find((machine) => machine.service === 'watcher');
  if (!stateMachine) throw new TemplateResolutionError('the template has no watcher state machine');
  const tables = resourcesOfType(resources, 'AWS::DynamoDB::Table').map(([logicalId, resource]) =>
    readTableSpec(logicalId, names.physicalName(logicalId), resource),
  );
  return {
    bus,
    functions,
    rules,
    deadLetterQueueArns: readDeadLetterQueueArns(resources, names),
    queues: readQueues(resources, names),
    eventSourceMappings: readEventSourceMappings(resources, names),
    stateMachine,
    stateMachines,
    tables,
    routes: readRoutes(resources, names.context),
    arnOf: names.arnOf,
  };
}

/** The bus with `ami-lifecycle:role: event-bus` metadata, which the services publish on. */
function readBus(resources: Record<string, Resource>, names: ResourceNames): LocalTemplate['bus'] {
  const [busEntry] = resourcesOfType(resources, 'AWS::Events::EventBus').filter(
    ([, resource]) => resource.Metadata?.[TEMPLATE_METADATA.role] === 'event-bus',
  );
  if (!busEntry) throw new TemplateResolutionError('the template has no event bus');
  const [logicalId] = busEntry;
  const name = names.physicalName(logicalId);
  return { logicalId, name, arn: names.arn('AWS::Events::EventBus', name) };
}
