import { createHash, randomUUID } from 'node:crypto';
import { existsSync, renameSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { functionBundling } from '../../constructs/function-bundling';
import {
  DEFAULT_TEMPLATE_CACHE_DIR,
  hashSources,
  keepMostRecentlyUsed,
  PROJECT_ROOT,
} from '../template/template-cache';

/** What a bundle is made of: the handlers and what they import, and how they are bundled. */
const BUNDLE_SOURCES = [
  'services',
  'events',
  'package-lock.json',
  join('infra', 'constructs', 'function-bundling.ts'),
  join('infra', 'constructs', 'tree-shakeable-sdk.ts'),
];

/** Sets of bundles beyond this many (least recently used first) are removed when one is built. */
const KEPT_SETS = 4;

export interface FunctionBundleOptions {
  /** Default the template cache's directory. */
  readonly cacheDir?: string;
  readonly projectRoot?: string;
}

/**
 * Each service's handler bundled as the CDK app bundles it for Lambda (one minified ESM file with
 * the SDK inside, from `functionBundling`), built once per version of the sources and kept in the
 * cache: a function environment then imports one plain module instead of compiling the sources.
 * Returns each service's `index.mjs`.
 */
export async function bundleFunctions(
  services: readonly string[],
  options: FunctionBundleOptions = {},
): Promise<Map<string, string>> {
  const projectRoot = options.projectRoot ?? PROJECT_ROOT;
  const cacheDir = options.cacheDir ?? DEFAULT_TEMPLATE_CACHE_DIR;
  const hash = createHash('sha256');
  hashSources(hash, projectRoot, BUNDLE_SOURCES);
  const dir = join(cacheDir, `functions-${hash.digest('hex').slice(0, 32)}`);
  const entries = new Map(
    [...new Set(services)].map((service) => [service, join(dir, service, 'index.mjs')]),
  );
  const missing = [...entries].filter(([, entry]) => !existsSync(entry));
  if (missing.length === 0) {
    const now = new Date();
    utimesSync(dir, now, now); // most recently used, for pruning
    return entries;
  }
  await Promise.all(missing.map(([service]) => buildBundle(projectRoot, dir, service)));
  pruneBundleSets(cacheDir);
  return entries;
}

async function buildBundle(projectRoot: string, dir: string, service: string): Promise<void> {
  const bundling = functionBundling(projectRoot);
  // Built beside its final place and renamed: a reader (another test file, another start) sees
  // a whole bundle or none, and of two builders the first rename wins.
  const building = join(dir, `.${service}-${randomUUID()}`);
  await build({
    entryPoints: { index: join(projectRoot, 'services', service, 'handler.ts') },
    outdir: building,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: bundling.format,
    target: bundling.target,
    platform: bundling.platform,
    minify: bundling.minify,
    sourcemap: bundling.sourcemap,
    sourcesContent: bundling.sourcesContent,
    mainFields: [...bundling.mainFields],
    banner: { js: bundling.banner },
    alias: { ...bundling.alias },
    logLevel: 'silent',
  });
  try {
    renameSync(building, join(dir, service));
  } catch {
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(join(dir, service, 'index.mjs'))) {
      throw new Error(`could not write the ${service} bundle in ${dir}`);
    }
  }
}

function pruneBundleSets(cacheDir: string): void {
  keepMostRecentlyUsed(cacheDir, (name) => name.startsWith('functions-'), KEPT_SETS);
}
