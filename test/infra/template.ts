import type { Template } from 'aws-cdk-lib/assertions';
import {
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { z } from '../../events/zod';
import { resolveValue } from '../../infra/local/template/intrinsics';
import { TEMPLATE_METADATA } from '../../infra/template-metadata';

export type CfnTemplate = {
  Resources: Record<string, CfnResourceJson>;
  Outputs?: Record<string, { Value: unknown }>;
};
export interface CfnResourceJson {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

/** A property the test expects on a resource; a missing one fails with its name. */
export function propertyOf<T>(resource: CfnResourceJson | undefined, name: string): T {
  const value = resource?.Properties?.[name];
  if (value === undefined) throw new Error(`the resource has no ${name}`);
  return value as T;
}

export function templateJson(template: Template): CfnTemplate {
  return template.toJSON() as CfnTemplate;
}

/** Resources of a type carrying a metadata entry, by logical id. */
export function resourcesWithMetadata(
  template: CfnTemplate,
  type: string,
  key: string,
): [string, CfnResourceJson][] {
  return Object.entries(template.Resources).filter(
    ([, resource]) => resource.Type === type && resource.Metadata?.[key] !== undefined,
  );
}

/**
 * Resolves the intrinsic functions the template uses the way a deployment would, with made-up
 * names for the resources (the same resolver the local cloud uses).
 */
export function resolveIntrinsics(value: unknown, refs: (logicalId: string) => string): unknown {
  return resolveValue(value, {
    region: TEST_REGION,
    accountId: TEST_ACCOUNT,
    stackName: 'AmiLifecycle',
    ref: refs,
    attribute: (logicalId, attribute) => refs(`${logicalId}.${attribute}`),
  });
}

export const TEST_ACCOUNT = '111122223333';
export const TEST_REGION = 'ap-northeast-2';

/** Made-up physical names: a resource's Ref is its logical id, its Arn an ARN around it. */
export function fakeRefs(template: CfnTemplate) {
  return (reference: string): string => {
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': TEST_REGION,
      'AWS::AccountId': TEST_ACCOUNT,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    if (pseudo[reference] !== undefined) return pseudo[reference];
    const [logicalId = '', attribute] = reference.split('.');
    const type = template.Resources[logicalId]?.Type;
    if (type === undefined) throw new Error(`unknown reference ${reference}`);
    if (type === 'AWS::StepFunctions::StateMachine' && attribute === undefined) {
      return `arn:aws:states:${TEST_REGION}:${TEST_ACCOUNT}:stateMachine:${logicalId}`;
    }
    if (type === 'AWS::Events::EventBus' && attribute === 'Arn') {
      return `arn:aws:events:${TEST_REGION}:${TEST_ACCOUNT}:event-bus/${logicalId}`;
    }
    if (type === 'AWS::ApiGateway::Stage' && attribute === undefined) {
      return String(template.Resources[logicalId]?.Properties?.StageName);
    }
    if (type === 'AWS::SecretsManager::Secret' && attribute === undefined) {
      return `arn:aws:secretsmanager:${TEST_REGION}:${TEST_ACCOUNT}:secret:${logicalId}-AbCdEf`;
    }
    return logicalId;
  };
}

/** The watcher's definition as Step Functions would receive it after deployment. */
export function watcherDefinition(template: CfnTemplate): StateMachineDefinition {
  return stateMachineDefinition(template, 'watcher');
}

/** The definition of the state machine with this service metadata, as deployed. */
export function stateMachineDefinition(
  template: CfnTemplate,
  service: 'watcher' | 'watcher-wake-up' | 'creator-announcer',
): StateMachineDefinition {
  const [, stateMachine] =
    Object.entries(template.Resources).find(
      ([, resource]) =>
        resource.Type === 'AWS::StepFunctions::StateMachine' &&
        resource.Metadata?.[TEMPLATE_METADATA.service] === service,
    ) ?? [];
  if (stateMachine === undefined) throw new Error(`no ${service} state machine in the template`);
  const definition = resolveIntrinsics(
    stateMachine.Properties?.DefinitionString,
    fakeRefs(template),
  );
  return JSON.parse(String(definition));
}

const machines = new Map<string, StateMachine>();

/**
 * aws-local-stepfunctions' machine for a definition, validated by asl-validator (which compiles
 * its JSON schemas on every call, a fraction of a second each) the first time only: a machine runs
 * any number of executions, and the tests run the same few definitions dozens of times.
 */
export function stateMachineOf(definition: StateMachineDefinition): StateMachine {
  // Keyed before constructing: asl-validator writes default fields into the definition.
  const key = JSON.stringify(definition);
  let machine = machines.get(key);
  if (machine === undefined) {
    machine = new StateMachine(definition);
    machines.set(key, machine);
  }
  return machine;
}

/** A Task state's local handler, as aws-local-stepfunctions takes it in a run's overrides. */
export type LocalHandler = NonNullable<
  NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']
>[string];

/** What a PutEvents Task state passes its handler: the entries it publishes. */
export const putEventsInput = z.object({
  Entries: z.array(
    z.object({
      DetailType: z.string(),
      Source: z.string(),
      EventBusName: z.string(),
      Detail: z.unknown(),
    }),
  ),
});
