import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { synthesize } from './synthesize';

function hasCfnLint(): boolean {
  try {
    execFileSync('cfn-lint', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Warnings accepted, with why:
 * - W3005: CDK adds DependsOn from a function or state machine to its role's default policy
 *   next to the GetAtt of the role, so the policy exists before the first invocation.
 */
const ACCEPTED_WARNINGS = ['W3005'];

interface CfnLintMatch {
  readonly Rule: { readonly Id: string };
  readonly Level: string;
  readonly Message: string;
}

const available = hasCfnLint();

describe('cfn-lint on the synthesized template', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ami-lifecycle-cfn-lint-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const name = (settings: string) =>
    available
      ? `should report no errors and only accepted warnings with ${settings}`
      : `SKIPPED with ${settings}: cfn-lint is not on PATH (install it with pip install cfn-lint)`;

  it.skipIf(!available).each([
    ['the default settings', {}],
    [
      'publishers, subscribers, an API key and an alarm topic',
      {
        apiAuthorization: 'api-key',
        webhookSecretName: 'ami-lifecycle/webhooks',
        publisherAccounts: ['444455556666'],
        publisherOrganizationId: 'o-a1b2c3d4e5',
        subscriberAccounts: ['777788889999'],
        alarmTopicArn: 'arn:aws:sns:ap-northeast-2:111122223333:ops',
      },
    ],
  ])(
    name('%s'),
    (label, settings) => {
      const file = join(dir, `${label.replace(/\W+/g, '-')}.template.json`);
      writeFileSync(file, JSON.stringify(synthesize(settings).template.toJSON()));

      const lint = spawnSync('cfn-lint', ['--format', 'json', file], { encoding: 'utf8' });
      const matches = JSON.parse(lint.stdout || '[]') as CfnLintMatch[];

      const unexpected = matches
        .filter((match) => !ACCEPTED_WARNINGS.includes(match.Rule.Id))
        .map((match) => `${match.Level} ${match.Rule.Id}: ${match.Message}`);
      expect(unexpected).toEqual([]);
      expect(lint.status === 0 || lint.status === 4).toBe(true);
    },
    60_000,
  );
});
