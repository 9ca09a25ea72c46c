import type { APIGatewayEventIdentity } from 'aws-lambda';

/** The contract's limit on `requestedBy`; longer IAM ARNs (deep user paths) are cut to fit. */
const MAX_REQUESTED_BY_LENGTH = 256;

/**
 * Who called, as API Gateway authenticated them: the IAM user or role ARN with IAM
 * authorisation, or the API key's id (never the key itself) when the stage requires API keys.
 * Only the request context is trusted for this, never the body. Undefined for an open endpoint.
 */
export function authenticatedCaller(
  identity: Pick<APIGatewayEventIdentity, 'userArn' | 'apiKeyId'>,
): string | undefined {
  if (identity.userArn) return identity.userArn.slice(0, MAX_REQUESTED_BY_LENGTH);
  if (identity.apiKeyId) return `api-key:${identity.apiKeyId}`;
  return undefined;
}
