import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../shared/config';
import { parseNotifierConfig } from './config';

const URL = 'https://wh.jandi.com/connect-api/webhook/123/secrettoken';

describe('parseNotifierConfig', () => {
  it('should make one JANDI target from WEBHOOK_URL, with default delivery settings', () => {
    expect(parseNotifierConfig({ WEBHOOK_URL: URL })).toEqual({
      targets: { kind: 'environment', targets: [{ url: URL, format: 'jandi' }] },
      delivery: { timeoutMs: 5_000, retryBudgetMs: 20_000 },
    });
  });

  it('should take WEBHOOK_FORMAT, WEBHOOK_SIGNING_SECRET and the delivery settings', () => {
    const config = parseNotifierConfig({
      WEBHOOK_URL: URL,
      WEBHOOK_FORMAT: 'json',
      WEBHOOK_SIGNING_SECRET: 'whsec-0123456789abcdef',
      WEBHOOK_TIMEOUT_MS: '2000',
      WEBHOOK_RETRY_BUDGET_MS: '60000',
    });
    expect(config).toEqual({
      targets: {
        kind: 'environment',
        targets: [{ url: URL, format: 'json', secret: 'whsec-0123456789abcdef' }],
      },
      delivery: { timeoutMs: 2_000, retryBudgetMs: 60_000 },
    });
  });

  it('should parse several targets with event filters from WEBHOOK_TARGETS', () => {
    const targets = [
      { url: URL, format: 'jandi', events: ['AmiAvailable'] },
      { url: 'https://hooks.slack.com/services/T/B/X', format: 'slack' },
    ];
    expect(parseNotifierConfig({ WEBHOOK_TARGETS: JSON.stringify(targets) }).targets).toEqual({
      kind: 'environment',
      targets,
    });
  });

  it('should read targets from a secret when WEBHOOK_SECRET_ARN is set', () => {
    const arn =
      'arn:aws:secretsmanager:ap-northeast-2:111122223333:secret:ami-lifecycle/webhooks-AbCdEf';
    expect(parseNotifierConfig({ WEBHOOK_SECRET_ARN: arn }).targets).toEqual({
      kind: 'secret',
      secretArn: arn,
      defaultFormat: 'jandi',
    });
    expect(
      parseNotifierConfig({ WEBHOOK_SECRET_ARN: arn, WEBHOOK_FORMAT: 'teams' }).targets,
    ).toMatchObject({ kind: 'secret', defaultFormat: 'teams' });
  });

  it('should give WEBHOOK_TARGETS entries without a format the WEBHOOK_FORMAT', () => {
    const targets = [{ url: URL }, { url: URL, format: 'json' }];
    expect(
      parseNotifierConfig({ WEBHOOK_TARGETS: JSON.stringify(targets), WEBHOOK_FORMAT: 'slack' })
        .targets,
    ).toEqual({
      kind: 'environment',
      targets: [
        { url: URL, format: 'slack' },
        { url: URL, format: 'json' },
      ],
    });
  });

  it.each([
    [{}, /set exactly one of WEBHOOK_URL, WEBHOOK_TARGETS, WEBHOOK_SECRET_ARN \(none is set\)/],
    [{ WEBHOOK_URL: '' }, /none is set/],
    [{ WEBHOOK_URL: URL, WEBHOOK_TARGETS: '[]' }, /\(WEBHOOK_URL and WEBHOOK_TARGETS are set\)/],
    [{ WEBHOOK_URL: 'ftp://example.com/x' }, /WEBHOOK_URL: must be an http\(s\) URL/],
    [{ WEBHOOK_URL: URL, WEBHOOK_FORMAT: 'mattermost' }, /WEBHOOK_FORMAT: /],
    [
      { WEBHOOK_URL: URL, WEBHOOK_TIMEOUT_MS: 'soon' },
      /WEBHOOK_TIMEOUT_MS: must be a whole number/,
    ],
    [
      { WEBHOOK_URL: URL, WEBHOOK_SIGNING_SECRET: 'short' },
      /WEBHOOK_SIGNING_SECRET: must be at least 16/,
    ],
    [
      { WEBHOOK_TARGETS: '[]', WEBHOOK_SIGNING_SECRET: 'whsec-0123456789abcdef' },
      /WEBHOOK_SIGNING_SECRET only applies with WEBHOOK_URL/,
    ],
    [{ WEBHOOK_TARGETS: `[{"url": "${URL}"` }, /WEBHOOK_TARGETS: is not valid JSON/],
    [{ WEBHOOK_TARGETS: '[]' }, /WEBHOOK_TARGETS: \(root\): must list at least one target/],
    [
      { WEBHOOK_TARGETS: JSON.stringify([{ url: URL, events: ['AmiCreated'] }]) },
      /WEBHOOK_TARGETS: \[0\]\.events\[0\]: /,
    ],
    [
      { WEBHOOK_SECRET_ARN: 'webhooks' },
      /WEBHOOK_SECRET_ARN: must be a Secrets Manager secret ARN/,
    ],
  ])('should reject %j naming the variable', (environment, message) => {
    expect(() => parseNotifierConfig(environment)).toThrow(ConfigurationError);
    expect(() => parseNotifierConfig(environment)).toThrow(message);
  });

  it('should never put a URL or secret into a configuration error', () => {
    const environments = [
      { WEBHOOK_TARGETS: `[{"url": "${URL}", "format": "nope"` },
      { WEBHOOK_TARGETS: JSON.stringify([{ url: URL.replace('https://', ''), format: 'jandi' }]) },
      { WEBHOOK_URL: URL, WEBHOOK_SIGNING_SECRET: 'secrettoken' },
    ];
    for (const environment of environments) {
      const error = (() => {
        try {
          parseNotifierConfig(environment);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(String(error)).not.toContain('secrettoken');
    }
  });
});
