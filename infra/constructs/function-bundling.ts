import { join } from 'node:path';
import { treeShakeableSdkAliases } from './tree-shakeable-sdk';

/** Some dependencies still call require(); ESM output has none unless it is created. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

const CREDENTIAL_CHAIN = '@aws-sdk/credential-provider-node';

/**
 * How every function is bundled, as esbuild options: the CDK app passes them to NodejsFunction
 * and the local cloud to esbuild itself, so the code `npm start` runs is the code deployed.
 */
export interface FunctionBundling {
  readonly format: 'esm';
  readonly target: 'node24';
  readonly platform: 'node';
  readonly minify: true;
  readonly sourcemap: true;
  /**
   * Node parses the map at load with --enable-source-maps; stack traces need only the mappings,
   * not a copy of every source file (a map four times smaller).
   */
  readonly sourcesContent: false;
  readonly mainFields: readonly string[];
  readonly banner: string;
  /** Module replacements: package name → absolute path. */
  readonly alias: Readonly<Record<string, string>>;
}

export function functionBundling(projectRoot: string): FunctionBundling {
  return {
    format: 'esm',
    target: 'node24',
    platform: 'node',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    banner: ESM_REQUIRE_BANNER,
    alias: {
      // Lambda's credentials are always in the environment: load only that link of the chain.
      [CREDENTIAL_CHAIN]: join(projectRoot, 'services', 'shared', 'lambda-credentials.ts'),
      ...treeShakeableSdkAliases(projectRoot),
    },
  };
}
