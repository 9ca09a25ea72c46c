import { join } from 'node:path';
import { TEMPLATE_METADATA } from '../../template-metadata';
import { resolveString } from './intrinsics';
import type { LocalFunctionSpec } from './local-template';
import { type Resource, type ResourceNames, resourcesOfType } from './resource-names';

interface InvokeConfig {
  MaximumRetryAttempts?: number;
  DestinationConfig?: { OnFailure?: { Destination?: unknown } };
}

/**
 * The functions with `ami-lifecycle:service` metadata, their environments resolved, with the
 * asynchronous retries and on-failure destination of their EventInvokeConfig.
 */
export function readFunctions(
  resources: Record<string, Resource>,
  names: ResourceNames,
  sourceRoot: string,
): LocalFunctionSpec[] {
  const { context } = names;
  const invokeConfigs = new Map(
    resourcesOfType(resources, 'AWS::Lambda::EventInvokeConfig').map(([, resource]) => {
      const props = resource.Properties ?? {};
      return [
        resolveString(props.FunctionName, context, 'EventInvokeConfig.FunctionName'),
        props,
      ] as const;
    }),
  );
  return resourcesOfType(resources, 'AWS::Lambda::Function').flatMap(([logicalId, resource]) => {
    const service = resource.Metadata?.[TEMPLATE_METADATA.service];
    if (typeof service !== 'string') return [];
    const props = resource.Properties ?? {};
    const variables = (props.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables;
    const functionName = names.physicalName(logicalId);
    const invokeConfig = invokeConfigs.get(functionName) as InvokeConfig | undefined;
    const onFailure = invokeConfig?.DestinationConfig?.OnFailure?.Destination;
    const spec: LocalFunctionSpec = {
      logicalId,
      service,
      functionName,
      arn: names.arn(resource.Type, functionName),
      entry: join(sourceRoot, 'services', service, 'handler.ts'),
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
}
