import { build } from 'esbuild';

/**
 * Bundles the driver with the AWS SDK inside, as the deployed function is bundled: ESM, with the
 * `require` that the SDK's CommonJS modules need for Node.js built-ins (the banner CDK's bundling
 * gives every function).
 */
export async function buildDriver(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    logLevel: 'silent',
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
  });
}
