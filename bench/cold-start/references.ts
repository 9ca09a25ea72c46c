import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ESM_REQUIRE_BANNER } from '../../infra/constructs/function-bundling';
import type { SynthesizedFunction } from '../synthesized-app';

export type ReferenceKind = 'floor' | 'naive';

export interface ReferenceBundle {
  readonly kind: ReferenceKind;
  readonly dir: string;
  readonly entryFile: string;
}

const HANDLERS_DIR = join(import.meta.dirname, 'reference-handlers');

/**
 * Builds the floor and the naive version of one function with the options CDK's NodejsFunction
 * passes to esbuild for that function (ESM, node24, minified, source maps, the same banner and
 * main fields), so the three bundles differ only in what they contain. The AWS SDK is left
 * external exactly when the CDK bundle leaves it external.
 */
export async function buildReferences(
  fn: SynthesizedFunction,
  outDir: string,
): Promise<ReferenceBundle[]> {
  const handlers = join(HANDLERS_DIR, `${fn.service}.ts`);
  if (!existsSync(handlers)) {
    throw new Error(`no reference handler for the function "${fn.service}" in ${HANDLERS_DIR}`);
  }
  const external = await externalScopes(fn.entryFile);
  const sources: Record<ReferenceKind, string> = {
    floor: `export { handler } from ${JSON.stringify(handlers)};`,
    naive: [
      `import { handler as floor } from ${JSON.stringify(handlers)};`,
      `import { naive } from ${JSON.stringify(join(HANDLERS_DIR, 'naive.ts'))};`,
      'export const handler = naive(floor);',
    ].join('\n'),
  };
  const bundles: ReferenceBundle[] = [];
  for (const kind of ['floor', 'naive'] as const) {
    const dir = join(outDir, `${fn.service}-${kind}`);
    const entryFile = join(dir, 'index.mjs');
    await build({
      stdin: { contents: sources[kind], resolveDir: HANDLERS_DIR, loader: 'ts' },
      outfile: entryFile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      minify: true,
      sourcemap: true,
      mainFields: ['module', 'main'],
      banner: { js: ESM_REQUIRE_BANNER },
      external,
      logLevel: 'silent',
    });
    bundles.push({ kind, dir, entryFile });
  }
  return bundles;
}

/**
 * `@aws-sdk/*` (and `@smithy/*`) when the CDK bundle leaves them to the runtime. Its source map
 * lists every file bundled; without one, a static import of the scope shows it is external.
 */
async function externalScopes(entryFile: string): Promise<string[]> {
  const scopes = ['@aws-sdk', '@smithy'];
  const mapFile = `${entryFile}.map`;
  if (existsSync(mapFile)) {
    const { sources } = JSON.parse(await readFile(mapFile, 'utf8')) as { sources: string[] };
    return scopes
      .filter((scope) => !sources.some((source) => source.includes(`node_modules/${scope}/`)))
      .map((scope) => `${scope}/*`);
  }
  const text = await readFile(entryFile, 'utf8');
  return scopes
    .filter((scope) => new RegExp(`\\bfrom\\s*["']${scope}/`).test(text))
    .map((scope) => `${scope}/*`);
}
