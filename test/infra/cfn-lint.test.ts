import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  readonly Filename: string;
  readonly Rule: { readonly Id: string };
  readonly Level: string;
  readonly Message: string;
}

const available = hasCfnLint();

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

/** Generous: synthesizing twice and one cfn-lint run take minutes only on a loaded machine. */
const LINT_TIMEOUT_MS = 300_000;

/** Runs a command to its end without blocking the test runner; resolves with its status and output. */
function run(command: string, args: readonly string[]) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      child.once('error', reject);
      child.once('close', (status) => resolve({ status, stdout, stderr }));
    },
  );
}

describe('cfn-lint on the synthesized template', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ami-lifecycle-cfn-lint-'));
  const fileOf = (label: string) => join(dir, `${label.replace(/\W+/g, '-')}.template.json`);
  let lint: { status: number | null; matches: CfnLintMatch[] } | undefined;

  // One cfn-lint process for every template: Python and cfn-lint's rules load once, not per test.
  beforeAll(async () => {
    if (!available) return;
    for (const [label, settings] of SETTINGS) {
      writeFileSync(fileOf(label), JSON.stringify(synthesize(settings).template.toJSON()));
    }
    const { status, stdout, stderr } = await run('cfn-lint', [
      '--format',
      'json',
      ...SETTINGS.map(([label]) => fileOf(label)),
    ]);
    if (!stdout) throw new Error(`cfn-lint printed nothing (status ${status}): ${stderr}`);
    lint = { status, matches: JSON.parse(stdout) as CfnLintMatch[] };
  }, LINT_TIMEOUT_MS);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const name = (settings: string) =>
    available
      ? `should report no errors and only accepted warnings with ${settings}`
      : `SKIPPED with ${settings}: cfn-lint is not on PATH (install it with pip install cfn-lint)`;

  it.skipIf(!available).each(SETTINGS)(name('%s'), (label) => {
    const matches = lint?.matches.filter((match) => match.Filename === fileOf(label)) ?? [];
    const unexpected = matches
      .filter((match) => !ACCEPTED_WARNINGS.includes(match.Rule.Id))
      .map((match) => `${match.Level} ${match.Rule.Id}: ${match.Message}`);
    expect(lint).toBeDefined();
    // Every finding is attributed to a template, so none escapes the filter above.
    const linted = SETTINGS.map(([each]) => fileOf(each));
    expect(lint?.matches.filter((match) => !linted.includes(match.Filename))).toEqual([]);
    expect(unexpected).toEqual([]);
    // Exit status bits: 2 errors, 4 warnings, 8 informational; the run covers every template.
    expect(lint?.status === 0 || lint?.status === 4).toBe(true);
  });
});
