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
 */
export function synthesizeTemplate(
  stackName: string,
  settings: Record<string, unknown> = {},
): CloudFormationTemplate {
  const app = new App({
    context: { 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  const stack = new AmiLifecycleStack(app, stackName, { settings: parseSettings(settings) });
  return app.synth().getStackByName(stack.stackName).template as CloudFormationTemplate;
}
