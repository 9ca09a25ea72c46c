import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudFormationTemplate } from '../../infra/local/template/local-template';
import { templateOnlyApp } from '../../infra/local/template/synthesize-template';
import { synthesizeTemplateCachedSync } from '../../infra/local/template/template-cache';
import { parseSettings } from '../../infra/settings';
import { AmiLifecycleStack } from '../../infra/stack';
import { temporaryFolder } from '../tools';

const STACK_NAME = 'AmiLifecycle';

/**
 * Synthesizes the stack with the given settings. Bundling is skipped (the functions get a
 * placeholder asset), which keeps these tests fast and independent of the handlers' code, and so
 * is CDK's built-in template validation (bundling.test.ts runs it on a full synthesis).
 *
 * The template comes from the template cache (keyed by a hash of the app's sources and the
 * settings), so the test files that need the same one share a single synthesis per version of
 * the sources. Each part is made on first use: the app and its stack, for tests that inspect or
 * change the construct tree, are not built when the template is cached.
 */
export function synthesize(settings: Record<string, unknown> = {}) {
  let built: { app: App; stack: AmiLifecycleStack } | undefined;
  const build = () => {
    if (!built) {
      const app = templateOnlyApp(temporaryFolder('cdk.out'));
      const stack = new AmiLifecycleStack(app, STACK_NAME, { settings: parseSettings(settings) });
      built = { app, stack };
    }
    return built;
  };
  let template: Template | undefined;
  return {
    get app() {
      return build().app;
    },
    get stack() {
      return build().stack;
    },
    get template() {
      template ??= Template.fromJSON(
        synthesizeTemplateCachedSync(STACK_NAME, settings, {
          synthesize: () => {
            const { app, stack } = build();
            return app.synth().getStackByName(stack.stackName).template as CloudFormationTemplate;
          },
        }).template as unknown as Record<string, unknown>,
      );
      return template;
    },
  };
}
