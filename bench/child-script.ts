import { join } from 'node:path';
import { build } from 'esbuild';
import { ESM_REQUIRE_BANNER } from '../infra/constructs/function-bundling';
import { treeShakeableSdkAliases } from '../infra/constructs/tree-shakeable-sdk';

/**
 * Bundles a child-process script (a `.ts` under bench/) into one `.mjs` file that a plain Node.js
 * binary runs: no TypeScript loader in the measured process. The AWS SDK goes inside, as in the
 * deployed functions (the same tree-shakeable copies), with the same `require` banner their
 * CommonJS parts need.
 */
export async function buildChildScript(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    logLevel: 'silent',
    banner: { js: ESM_REQUIRE_BANNER },
    // The same SDK copies the deployed bundles use, so what is measured is what runs.
    alias: treeShakeableSdkAliases(join(import.meta.dirname, '..')),
  });
}
