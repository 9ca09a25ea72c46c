import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseSettings } from '../../infra/settings';
import { AmiLifecycleStack } from '../../infra/stack';

/**
 * Synthesizes the stack with the given settings. Bundling is skipped (the functions get a
 * placeholder asset), which keeps these tests fast and independent of the handlers' code.
 */
export function synthesize(settings: Record<string, unknown> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new AmiLifecycleStack(app, 'AmiLifecycle', { settings: parseSettings(settings) });
  return { app, stack, template: Template.fromStack(stack) };
}
