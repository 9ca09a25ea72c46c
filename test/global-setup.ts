import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../infra/local/account';
import { bundleFunctions } from '../infra/local/functions/function-bundles';
import { readLocalTemplate } from '../infra/local/template/local-template';
import { PROJECT_ROOT, synthesizeTemplateCached } from '../infra/local/template/template-cache';

const STACK_NAME = 'AmiLifecycle';

/**
 * Fills the caches every local cloud of the test run reads, once, before any test file runs: the
 * default template and the functions' bundles. Without it, the first files to start a local cloud
 * would each build the same bundles at the same moment. Both are cache hits when the sources have
 * not changed since the last run.
 */
export default async function fillSharedCaches(): Promise<void> {
  const { template } = await synthesizeTemplateCached(STACK_NAME, {});
  const local = readLocalTemplate(template, {
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    stackName: STACK_NAME,
    sourceRoot: PROJECT_ROOT,
  });
  await bundleFunctions(local.functions.map((fn) => fn.service));
}
