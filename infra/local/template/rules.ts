import { type ResolveContext, resolveString, resolveValue } from './intrinsics';
import type { LocalRuleSpec, LocalRuleTarget } from './local-template';
import { type Resource, type ResourceNames, resourcesOfType } from './resource-names';

/** The bus rules and schedules, with their targets' inputs, retry policies and dead letters. */
export function readRules(
  resources: Record<string, Resource>,
  names: ResourceNames,
): LocalRuleSpec[] {
  const { context } = names;
  return resourcesOfType(resources, 'AWS::Events::Rule').map(([logicalId, resource]) => {
    const props = resource.Properties ?? {};
    const targets = (props.Targets as Record<string, unknown>[] | undefined) ?? [];
    return {
      logicalId,
      name: names.physicalName(logicalId),
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
      targets: targets.map((target) => readRuleTarget(target, logicalId, context)),
    };
  });
}

function readRuleTarget(
  target: Record<string, unknown>,
  logicalId: string,
  context: ResolveContext,
): LocalRuleTarget {
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
}
