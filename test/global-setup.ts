import { synthesizeTemplateCached } from '../infra/local/template/template-cache';

/**
 * Synthesizes the stack with its default settings once, before any test file runs, into the
 * template cache: the files that need it then read it rather than each synthesizing it at the
 * same moment. A hit when the app's sources have not changed since the last run.
 */
export default async function synthesizeDefaultTemplate(): Promise<void> {
  await synthesizeTemplateCached('AmiLifecycle', {});
}
