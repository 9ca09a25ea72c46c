import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bundleFunctions } from '../infra/local/functions/function-bundles';
import { PROJECT_ROOT, synthesizeTemplateCached } from '../infra/local/template/template-cache';

/** Every service with a handler: each is a function of the template. */
function servicesWithHandlers(): string[] {
  const services = join(PROJECT_ROOT, 'services');
  return readdirSync(services).filter((name) => existsSync(join(services, name, 'handler.ts')));
}

/**
 * Fills the caches every local cloud of the test run reads, once, before any test file runs: the
 * functions' bundles and the default template. Without it, the first files to start a local cloud
 * would each build the same bundles at the same moment. esbuild bundles in its own process while
 * this one synthesizes. Both are cache hits when the sources have not changed since the last run.
 */
export default async function fillSharedCaches(): Promise<void> {
  const bundled = bundleFunctions(servicesWithHandlers());
  await synthesizeTemplateCached('AmiLifecycle', {});
  await bundled;
}
