import { build } from 'esbuild';

/**
 * Bundles a child-process script (a `.ts` under bench/) into one `.mjs` file that a plain Node.js
 * binary runs: no TypeScript loader in the measured process.
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
  });
}
