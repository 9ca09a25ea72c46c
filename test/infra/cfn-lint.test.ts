import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runToEnd, temporaryFolder } from '../tools';
import { synthesize } from './synthesize';

/**
 * Warnings accepted, with why:
 * - W3005: CDK adds DependsOn from a function or state machine to its role's default policy
 *   next to the GetAtt of the role, so the policy exists before the first invocation.
 */
const ACCEPTED_WARNINGS = ['W3005'];

interface CfnLintMatch {
  readonly Filename: string;
  readonly Rule: { readonly Id: string };
  readonly Level: string;
  readonly Message: string;
}

/** Settings the template is linted with, by label. */
const SETTINGS: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
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
];

const dir = temporaryFolder('cfn-lint');
const fileOf = (label: string) => join(dir, `${label.replace(/\W+/g, '-')}.template.json`);

/**
 * cfn-lint's findings on every template: one process for all of them (Python and cfn-lint's rules
 * load once, about two seconds), run while the file is collected, so that the test names can say
 * whether it is installed without a second process to ask.
 */
async function lintTemplates(): Promise<
  { status: number | null; matches: CfnLintMatch[] } | { missing: string }
> {
  for (const [label, settings] of SETTINGS) {
    writeFileSync(fileOf(label), JSON.stringify(synthesize(settings).template.toJSON()));
  }
  const files = SETTINGS.map(([label]) => fileOf(label));
  const linted = await runToEnd('cfn-lint', ['--format', 'json', ...files]).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    },
  );
  // 127: a shell or a version manager's shim found no cfn-lint to run.
  if (linted === undefined || linted.status === 127) {
    return { missing: 'cfn-lint is not on PATH (install it with pip install cfn-lint)' };
  }
  const { status, stdout, stderr } = linted;
  if (!stdout) throw new Error(`cfn-lint printed nothing (status ${status}): ${stderr}`);
  return { status, matches: JSON.parse(stdout) as CfnLintMatch[] };
}

const lint = await lintTemplates();

describe('cfn-lint on the synthesized template', () => {
  const name = (settings: string) =>
    'missing' in lint
      ? `SKIPPED with ${settings}: ${lint.missing}`
      : `should report no errors and only accepted warnings with ${settings}`;

  it.skipIf('missing' in lint).each(SETTINGS)(name('%s'), (label) => {
    if ('missing' in lint) throw new Error(lint.missing); // skipped above; narrows the type
    const matches = lint.matches.filter((match) => match.Filename === fileOf(label));
    const unexpected = matches
      .filter((match) => !ACCEPTED_WARNINGS.includes(match.Rule.Id))
      .map((match) => `${match.Level} ${match.Rule.Id}: ${match.Message}`);
    // Every finding is attributed to a template, so none escapes the filter above.
    const linted = SETTINGS.map(([each]) => fileOf(each));
    expect(lint.matches.filter((match) => !linted.includes(match.Filename))).toEqual([]);
    expect(unexpected).toEqual([]);
    // Exit status bits: 2 errors, 4 warnings, 8 informational; the run covers every template.
    expect(lint.status === 0 || lint.status === 4).toBe(true);
  });
});
