import { App } from 'aws-cdk-lib';
import { loadSettings } from './settings';
import { AmiLifecycleStack } from './stack';

/** Context `stackName` (default `AmiLifecycle`) lets one account hold several deployments. */
const DEFAULT_STACK_NAME = 'AmiLifecycle';

const app = new App();
const stackName = app.node.tryGetContext('stackName') ?? DEFAULT_STACK_NAME;
new AmiLifecycleStack(app, stackName, {
  description: 'ami-lifecycle: deploy-time AMIs, watched, announced and rotated safely',
  settings: loadSettings((key) => app.node.tryGetContext(key)),
});
app.synth();
