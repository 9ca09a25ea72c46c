import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../shared/config';
import { cachedSecretReader, loadWebhookTargets } from './target-source';

const ARN =
  'arn:aws:secretsmanager:ap-northeast-2:111122223333:secret:ami-lifecycle/webhooks-AbCdEf';
const SLACK = 'https://hooks.slack.com/services/T0/B0/secrettoken';
const secretsManager = mockClient(SecretsManagerClient);

beforeEach(() => {
  secretsManager.reset();
});

describe('loadWebhookTargets from a secret', () => {
  it('should read a JSON array of targets from the SecretString', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand, { SecretId: ARN }).resolves({
      SecretString: JSON.stringify([
        { url: SLACK, format: 'slack', events: ['AmiFailed'] },
        {
          url: 'https://deploys.example.com/hook',
          format: 'json',
          secret: 'whsec-0123456789abcdef',
        },
      ]),
    });
    const readSecret = cachedSecretReader(new SecretsManagerClient({ region: 'ap-northeast-2' }));
    // Act
    const targets = await loadWebhookTargets(
      { kind: 'secret', secretArn: ARN, defaultFormat: 'jandi' },
      readSecret,
    );
    // Assess
    expect(targets).toEqual([
      { url: SLACK, format: 'slack', events: ['AmiFailed'] },
      { url: 'https://deploys.example.com/hook', format: 'json', secret: 'whsec-0123456789abcdef' },
    ]);
  });

  it('should accept one target object and read the secret once while it is cached', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ url: SLACK, format: 'slack' }),
    });
    const readSecret = cachedSecretReader(new SecretsManagerClient({ region: 'ap-northeast-2' }));
    const source = { kind: 'secret', secretArn: ARN, defaultFormat: 'jandi' } as const;
    expect(await loadWebhookTargets(source, readSecret)).toEqual([{ url: SLACK, format: 'slack' }]);
    await loadWebhookTargets(source, readSecret);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it.each([
    ['not JSON', `{"url": "${SLACK}"`, /WEBHOOK_SECRET_ARN\): is not valid JSON/],
    ['a bad format', JSON.stringify([{ url: SLACK, format: 'irc' }]), /\[0\]\.format: /],
    [
      'a bad URL',
      JSON.stringify({ url: SLACK.replace('https://', '') }),
      /\[0\]\.url: must be an http\(s\) URL/,
    ],
  ])(
    'should fail on %s, naming the secret but never its content',
    async (_name, value, message) => {
      secretsManager.on(GetSecretValueCommand).resolves({ SecretString: value });
      const readSecret = cachedSecretReader(new SecretsManagerClient({ region: 'ap-northeast-2' }));
      const error = await loadWebhookTargets(
        { kind: 'secret', secretArn: ARN, defaultFormat: 'jandi' },
        readSecret,
      ).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(String(error)).toMatch(message);
      expect(String(error)).toContain(ARN);
      expect(String(error)).not.toContain('secrettoken');
    },
  );

  it('should give targets that name no format the configured default format', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify([{ url: SLACK }, { url: SLACK, format: 'discord' }]),
    });
    const readSecret = cachedSecretReader(new SecretsManagerClient({ region: 'ap-northeast-2' }));
    const targets = await loadWebhookTargets(
      { kind: 'secret', secretArn: ARN, defaultFormat: 'slack' },
      readSecret,
    );
    expect(targets.map((target) => target.format)).toEqual(['slack', 'discord']);
  });

  it('should fail when the secret holds binary data only', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2]) });
    const readSecret = cachedSecretReader(new SecretsManagerClient({ region: 'ap-northeast-2' }));
    await expect(
      loadWebhookTargets({ kind: 'secret', secretArn: ARN, defaultFormat: 'jandi' }, readSecret),
    ).rejects.toThrow(/has no SecretString/);
  });

  it('should let a Secrets Manager error fail the invocation', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const readSecret = cachedSecretReader(new SecretsManagerClient({ region: 'ap-northeast-2' }));
    await expect(
      loadWebhookTargets({ kind: 'secret', secretArn: ARN, defaultFormat: 'jandi' }, readSecret),
    ).rejects.toThrow();
  });
});

describe('loadWebhookTargets from the environment', () => {
  it('should return the parsed targets without calling Secrets Manager', async () => {
    const targets = [{ url: SLACK, format: 'slack' as const }];
    const readSecret = cachedSecretReader(new SecretsManagerClient({ region: 'ap-northeast-2' }));
    expect(await loadWebhookTargets({ kind: 'environment', targets }, readSecret)).toBe(targets);
    expect(secretsManager).not.toHaveReceivedAnyCommand();
  });
});
