import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Replaces `@aws-sdk/credential-provider-node` in the Lambda bundles (an esbuild alias in
 * infra/constructs/service-function.ts). Lambda gives every function its role's credentials in
 * environment variables, so the SDK's default chain always stops at its first link there; the
 * other links (SSO, INI files, processes, web identity, container and instance metadata) never
 * answer, yet make up a third of each bundle and of its load time at every cold start.
 */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
