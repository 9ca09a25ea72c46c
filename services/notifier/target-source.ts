import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigurationError } from '../shared/config';
import type { TargetSource } from './config';
import { parseWebhookTargets, type WebhookTarget } from './webhook-target';

/** Reads a secret's `SecretString`; undefined when the secret holds binary data. */
export type ReadSecret = (secretArn: string) => Promise<string | undefined>;

/**
 * Secrets Manager through the Powertools cache: a warm function reads the secret at most every
 * `maxAgeSeconds`, so rotated URLs take effect within that time without a call per event.
 */
export function cachedSecretReader(client: SecretsManagerClient, maxAgeSeconds = 300): ReadSecret {
  const provider = new SecretsProvider({ awsSdkV3Client: client });
  return async (secretArn) => {
    const value = await provider.get(secretArn, { maxAge: maxAgeSeconds });
    return typeof value === 'string' ? value : undefined;
  };
}

/** The targets to deliver to now. A broken secret fails the invocation, naming only the ARN. */
export async function loadWebhookTargets(
  source: TargetSource,
  readSecret: ReadSecret,
): Promise<readonly WebhookTarget[]> {
  if (source.kind === 'environment') return source.targets;
  const text = await readSecret(source.secretArn);
  if (text === undefined) {
    throw new ConfigurationError(
      `notifier: the secret ${source.secretArn} (WEBHOOK_SECRET_ARN) has no SecretString`,
    );
  }
  return parseWebhookTargets(
    text,
    `notifier: the secret ${source.secretArn} (WEBHOOK_SECRET_ARN)`,
    source.defaultFormat,
  );
}
