import type { SimulationIdentityPolicy } from '@cloud-copilot/iam-simulate';
import { resolveValue } from '../../infra/local/template/intrinsics';
import { TEMPLATE_METADATA } from '../../infra/template-metadata';
import { type CfnTemplate, TEST_ACCOUNT, TEST_REGION } from './template';

/** A policy document as IAM evaluates it, every intrinsic resolved. */
export interface PolicyDocument {
  readonly Version: string;
  readonly Statement: unknown[];
}

/**
 * The stack's policies as they would be once deployed in TEST_ACCOUNT and TEST_REGION: every
 * resource's physical name is its logical id, and every `Arn` a well-formed ARN around it, so an
 * IAM simulator can evaluate them against concrete requests.
 */
export function deployedPolicies(template: CfnTemplate) {
  const resolve = (value: unknown) => resolveValue(value, deployedContext(template));

  const roleOf = (service: string): string => {
    const owner = Object.values(template.Resources).find(
      (resource) =>
        (resource.Type === 'AWS::Lambda::Function' ||
          resource.Type === 'AWS::StepFunctions::StateMachine') &&
        resource.Metadata?.[TEMPLATE_METADATA.service] === service,
    );
    const role = owner?.Properties?.[owner.Type === 'AWS::Lambda::Function' ? 'Role' : 'RoleArn'];
    if (role === undefined) throw new Error(`no function or state machine for ${service}`);
    return String(resolve(role));
  };

  return {
    /** The ARN of the role a service (`api`, `creator`, `janitor`, `watcher`, …) runs as. */
    roleArn: roleOf,

    /** The identity policies attached to a service's role (inline and `AWS::IAM::Policy`). */
    identityPolicies(service: string): SimulationIdentityPolicy[] {
      const roleLogicalId = logicalIdOfRoleArn(roleOf(service));
      const role = template.Resources[roleLogicalId];
      const inline = (role?.Properties?.Policies ?? []) as {
        PolicyName: string;
        PolicyDocument: unknown;
      }[];
      const attached = Object.entries(template.Resources)
        .filter(
          ([, resource]) =>
            resource.Type === 'AWS::IAM::Policy' &&
            (resource.Properties?.Roles as unknown[] | undefined)?.some(
              (reference) => resolve(reference) === roleLogicalId,
            ),
        )
        .map(([id, resource]) => ({
          PolicyName: id,
          PolicyDocument: resource.Properties?.PolicyDocument,
        }));
      return [...inline, ...attached].map((policy) => ({
        name: policy.PolicyName,
        policy: resolve(policy.PolicyDocument) as PolicyDocument,
      }));
    },

    /** The event bus's ARN and its resource policy: every `AWS::Events::EventBusPolicy` statement. */
    eventBus(): { arn: string; policy: PolicyDocument } {
      const [busId] =
        Object.entries(template.Resources).find(
          ([, resource]) => resource.Type === 'AWS::Events::EventBus',
        ) ?? [];
      if (busId === undefined) throw new Error('no event bus in the template');
      const statements = Object.values(template.Resources)
        .filter(
          (resource) =>
            resource.Type === 'AWS::Events::EventBusPolicy' &&
            resolve(resource.Properties?.EventBusName) === busId,
        )
        .map((resource) => resolve(resource.Properties?.Statement));
      return {
        arn: String(resolve({ 'Fn::GetAtt': [busId, 'Arn'] })),
        policy: { Version: '2012-10-17', Statement: statements },
      };
    },
  };
}

function deployedContext(template: CfnTemplate) {
  return {
    region: TEST_REGION,
    accountId: TEST_ACCOUNT,
    stackName: 'AmiLifecycle',
    // A resource's Ref is its physical name, here its logical id (or its ARN, as CloudFormation
    // gives for state machines).
    ref: (logicalId: string) => {
      const type = typeOf(template, logicalId);
      return type === 'AWS::StepFunctions::StateMachine' ? arnOf(type, logicalId) : logicalId;
    },
    attribute: (logicalId: string, attribute: string) => {
      const type = typeOf(template, logicalId);
      if (attribute === 'Arn') return arnOf(type, logicalId);
      throw new Error(`no deployed value for ${logicalId}.${attribute} (${type})`);
    },
  };
}

function typeOf(template: CfnTemplate, logicalId: string): string {
  const type = template.Resources[logicalId]?.Type;
  if (type === undefined) throw new Error(`unknown resource ${logicalId}`);
  return type;
}

/** The ARN AWS gives a resource of this type named `name`. */
function arnOf(type: string, name: string): string {
  const inRegion = `${TEST_REGION}:${TEST_ACCOUNT}`;
  switch (type) {
    case 'AWS::IAM::Role':
      return `arn:aws:iam::${TEST_ACCOUNT}:role/${name}`;
    case 'AWS::Events::EventBus':
      return `arn:aws:events:${inRegion}:event-bus/${name}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:aws:states:${inRegion}:stateMachine:${name}`;
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:${inRegion}:function:${name}`;
    case 'AWS::Logs::LogGroup':
      return `arn:aws:logs:${inRegion}:log-group:${name}:*`;
    case 'AWS::DynamoDB::Table':
      return `arn:aws:dynamodb:${inRegion}:table/${name}`;
    case 'AWS::SQS::Queue':
      return `arn:aws:sqs:${inRegion}:${name}`;
    case 'AWS::SecretsManager::Secret':
      return `arn:aws:secretsmanager:${inRegion}:secret:${name}-AbCdEf`;
    default: {
      const [, service = '', resource = ''] = type.split('::');
      return `arn:aws:${service.toLowerCase()}:${inRegion}:${resource.toLowerCase()}/${name}`;
    }
  }
}

function logicalIdOfRoleArn(arn: string): string {
  const match = /^arn:aws:iam::\d{12}:role\/(.+)$/.exec(arn);
  if (!match?.[1]) throw new Error(`not a role ARN: ${arn}`);
  return match[1];
}
