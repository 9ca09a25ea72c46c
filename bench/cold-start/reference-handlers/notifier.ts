// Floor of the notifier function: read the webhook targets from Secrets Manager, post one webhook.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const secrets = new SecretsManagerClient({});

export async function handler(event: { detail: unknown }) {
  const { SecretString } = await secrets.send(
    new GetSecretValueCommand({ SecretId: process.env.WEBHOOK_SECRET_ARN }),
  );
  const [target] = JSON.parse(SecretString ?? '[]') as { url: string }[];
  if (target === undefined) throw new Error('the secret lists no webhook target');
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ body: 'AMI Is Available.', detail: event.detail }),
  });
  await response.arrayBuffer();
}
