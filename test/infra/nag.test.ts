import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { synthesize } from './synthesize';

describe('cdk-nag AwsSolutionsChecks', () => {
  it.each([
    ['the default settings', {}],
    [
      'an API key, an existing webhook secret, publishers, subscribers and an alarm topic',
      {
        apiAuthorization: 'api-key',
        webhookSecretName: 'ami-lifecycle/webhooks',
        publisherAccounts: ['444455556666'],
        publisherOrganizationId: 'o-a1b2c3d4e5',
        subscriberAccounts: ['777788889999'],
        alarmTopicArn: 'arn:aws:sns:ap-northeast-2:111122223333:ops',
        apiGatewayCloudWatchRole: false,
      },
    ],
    ['an open API, chosen explicitly', { apiAuthorization: 'none' }],
  ])('should report no unacknowledged finding with %s', (_name, settings) => {
    const { stack } = synthesize(settings);

    const report = new AwsSolutionsChecks().validateScope(stack);

    expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('should flag a resource added without an acknowledgement (the check is live)', () => {
    const { stack } = synthesize();
    new sqs.Queue(stack, 'Unacknowledged', { enforceSSL: false });

    const report = new AwsSolutionsChecks().validateScope(stack);

    expect(report.success).toBe(false);
    expect(report.violations.map((violation) => violation.ruleName)).toEqual(
      expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']),
    );
  });
});
