import { type ResolveContext, TemplateResolutionError } from './intrinsics';

export interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

export interface ResourceNames {
  /** The name a resource gets on deployment: its own name property, else `<stack>-<logicalId>`. */
  physicalName(logicalId: string): string;
  arn(type: string, name: string): string;
  arnOf(logicalId: string): string;
  /** What `Ref` and `Fn::GetAtt` resolve to. */
  readonly context: ResolveContext;
}

/** Names and ARNs of the template's resources as CloudFormation would give them in this account. */
export function resourceNames(
  resources: Record<string, Resource>,
  { region, accountId, stackName }: { region: string; accountId: string; stackName: string },
): ResourceNames {
  const physicalName = (logicalId: string): string => {
    const props = requireResource(resources, logicalId).Properties ?? {};
    const named =
      props.Name ??
      props.FunctionName ??
      props.StateMachineName ??
      props.QueueName ??
      props.TableName;
    return typeof named === 'string' ? named : `${stackName}-${logicalId}`;
  };
  const arn = (type: string, name: string) => resourceArn(type, name, region, accountId);
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
  return {
    physicalName,
    arn,
    arnOf: (logicalId) => arn(requireResource(resources, logicalId).Type, physicalName(logicalId)),
    context,
  };
}

export function requireResource(resources: Record<string, Resource>, logicalId: string): Resource {
  const resource = resources[logicalId];
  if (!resource) throw new TemplateResolutionError(`the template has no resource ${logicalId}`);
  return resource;
}

function resourceArn(type: string, name: string, region: string, accountId: string): string {
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
}

/** The template's resources of one type, as `[logicalId, resource]`. */
export function resourcesOfType(
  resources: Record<string, Resource>,
  type: string,
): [string, Resource][] {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}
