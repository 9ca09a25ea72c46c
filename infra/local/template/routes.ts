import { DEFAULT_INTEGRATION_TIMEOUT_MS } from '../api-gateway';
import { type ResolveContext, resolveString } from './intrinsics';
import type { LocalApiRoute } from './local-template';
import { type Resource, requireResource } from './resource-names';

/** The REST API's Lambda proxy methods, one route per stage. */
export function readRoutes(
  resources: Record<string, Resource>,
  context: ResolveContext,
): LocalApiRoute[] {
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
      const integration = props.Integration as
        | { Type?: string; Uri?: unknown; TimeoutInMillis?: unknown }
        | undefined;
      const functionLogicalId = functionOf(integration?.Uri);
      if (integration?.Type !== 'AWS_PROXY' || !functionLogicalId) return [];
      const method = resolveString(props.HttpMethod, context, 'HttpMethod');
      const resourcePath = pathOf(props.ResourceId) || '/';
      const timeoutMs =
        typeof integration.TimeoutInMillis === 'number'
          ? integration.TimeoutInMillis
          : DEFAULT_INTEGRATION_TIMEOUT_MS;
      return stages.map((stage) => ({ stage, method, resourcePath, functionLogicalId, timeoutMs }));
    });
}
