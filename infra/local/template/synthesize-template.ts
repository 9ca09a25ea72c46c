import { App } from 'aws-cdk-lib';
import { parseSettings } from '../../settings';
import { AmiLifecycleStack } from '../../stack';
import type { CloudFormationTemplate } from './local-template';
import { cachedTemplate } from './template-cache';

/**
 * Synthesizes the CDK app's stack in process, exactly as `cdk synth` would, except that function
 * bundling is skipped: the local cloud runs the handlers from source. Settings are the app's,
 * parsed by the same schema, so a bad value fails here as it would at deploy time. The result is
 * cached by the content of its sources (see `cachedTemplate`).
 */
export function synthesizeTemplate(
  stackName: string,
  settings: Record<string, unknown> = {},
): CloudFormationTemplate {
  // Parsed first, so that a bad value fails at once, cached or not.
  const parsed = parseSettings(settings);
  return cachedTemplate(stackName, settings, () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new AmiLifecycleStack(app, stackName, { settings: parsed });
    return app.synth().getStackByName(stack.stackName).template as CloudFormationTemplate;
  });
}
