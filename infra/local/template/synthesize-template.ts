import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { parseSettings } from '../../settings';
import { AmiLifecycleStack } from '../../stack';
import type { CloudFormationTemplate } from './local-template';

/**
 * Synthesizes the CDK app's stack in process, exactly as `cdk synth` would, except that function
 * bundling is skipped (the local cloud bundles the handlers itself) and so is CDK's built-in
 * template validation: it changes nothing in the template and costs about 3 s of CPU a
 * synthesis (test/infra/bundling.test.ts runs it on a full synthesis). Settings are the app's,
 * parsed by the same schema, so a bad value fails here as it would at deploy time.
 *
 * Only the template is kept: the cloud assembly CDK writes is removed once the template is read,
 * since every change of the sources synthesizes again.
 */
export function synthesizeTemplate(
  stackName: string,
  settings: Record<string, unknown> = {},
): CloudFormationTemplate {
  const outdir = mkdtempSync(join(tmpdir(), 'ami-lifecycle-cdk.out-'));
  try {
    const app = templateOnlyApp(outdir);
    const stack = new AmiLifecycleStack(app, stackName, { settings: parseSettings(settings) });
    // Read now: the artifact reads its template from the assembly folder on first use.
    return app.synth().getStackByName(stack.stackName).template as CloudFormationTemplate;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * A CDK app that synthesizes templates only, into `outdir`: no function bundling and no built-in
 * template validation (see `synthesizeTemplate`). The infrastructure tests build theirs with it.
 */
export function templateOnlyApp(outdir: string): App {
  return new App({
    outdir,
    context: { 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
}
