import { createHash, type Hash, randomUUID } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { sortedKeys } from '../sorted-keys';
import type { CloudFormationTemplate } from './local-template';

/** The project root: the sources below are relative to it. */
export const PROJECT_ROOT = resolve(import.meta.dirname, '../../..');

/**
 * What a synthesized template depends on: the CDK app (`infra/`, but not the local cloud, which
 * only reads templates), the event contracts and services it imports or points at, and the
 * locked versions of the CDK libraries.
 */
export const TEMPLATE_SOURCES: readonly string[] = [
  'infra',
  'events',
  'services',
  'package-lock.json',
];
const EXCLUDED = new Set(['node_modules', join('infra', 'local')]);

/** Where templates are kept by default: shared by `npm start`, the tests and the bench. */
export const DEFAULT_TEMPLATE_CACHE_DIR = join(
  PROJECT_ROOT,
  'node_modules',
  '.cache',
  'ami-lifecycle',
);

/**
 * Entries beyond this many (least recently used first) are removed when one is added. A test run
 * reads 17 templates (settings the tests vary): fewer entries would make every run synthesize
 * some of them again. 64 keep a few versions of the sources, at about 150 KB a template.
 */
const KEPT_ENTRIES = 64;

export type Synthesize = (
  stackName: string,
  settings: Record<string, unknown>,
) => CloudFormationTemplate | Promise<CloudFormationTemplate>;

export interface TemplateCacheOptions {
  /** Default `DEFAULT_TEMPLATE_CACHE_DIR`. */
  readonly cacheDir?: string;
  /** Default the project root. */
  readonly sourceRoot?: string;
  /** Paths under `sourceRoot` whose contents key the cache; default `TEMPLATE_SOURCES`. */
  readonly sources?: readonly string[];
  /** Default the CDK app's in-process synthesis, loaded only when the cache misses. */
  readonly synthesize?: Synthesize;
}

export interface CachedTemplate {
  readonly template: CloudFormationTemplate;
  /** True when the template was read from the cache rather than synthesized. */
  readonly fromCache: boolean;
  readonly key: string;
  readonly path: string;
}

/**
 * The stack's template for these settings, synthesized once per version of its sources: later
 * calls with the same sources and settings read it back from the cache directory. The key is a
 * hash of every source file's path and contents, so any edit synthesizes again. The CDK libraries
 * are loaded only on a miss, which is most of a synthesis's cost.
 */
export async function synthesizeTemplateCached(
  stackName: string,
  settings: Record<string, unknown> = {},
  options: TemplateCacheOptions = {},
): Promise<CachedTemplate> {
  const found = lookUpTemplate(stackName, settings, options);
  if (found.template) return { ...found, template: found.template, fromCache: true };
  const synthesize =
    options.synthesize ?? (await import('./synthesize-template')).synthesizeTemplate;
  return storeTemplate(found, await synthesize(stackName, settings), options);
}

/** The same, for callers that cannot wait: the synthesis is theirs to give, and synchronous. */
export function synthesizeTemplateCachedSync(
  stackName: string,
  settings: Record<string, unknown>,
  options: Omit<TemplateCacheOptions, 'synthesize'> & {
    readonly synthesize: (
      stackName: string,
      settings: Record<string, unknown>,
    ) => CloudFormationTemplate;
  },
): CachedTemplate {
  const found = lookUpTemplate(stackName, settings, options);
  if (found.template) return { ...found, template: found.template, fromCache: true };
  return storeTemplate(found, options.synthesize(stackName, settings), options);
}

interface LookedUp {
  readonly key: string;
  readonly path: string;
  readonly template: CloudFormationTemplate | undefined;
}

function lookUpTemplate(
  stackName: string,
  settings: Record<string, unknown>,
  options: Omit<TemplateCacheOptions, 'synthesize'>,
): LookedUp {
  const cacheDir = options.cacheDir ?? DEFAULT_TEMPLATE_CACHE_DIR;
  const key = templateCacheKey(stackName, settings, options);
  const path = join(cacheDir, `template-${key}.json`);
  return { key, path, template: readCached(path) };
}

function storeTemplate(
  { key, path }: LookedUp,
  template: CloudFormationTemplate,
  options: Pick<TemplateCacheOptions, 'cacheDir'>,
): CachedTemplate {
  const cacheDir = options.cacheDir ?? DEFAULT_TEMPLATE_CACHE_DIR;
  mkdirSync(cacheDir, { recursive: true });
  // Written aside and renamed, so a concurrent reader (another test file) sees all or nothing.
  const temporary = `${path}.${randomUUID()}.tmp`;
  writeFileSync(temporary, JSON.stringify(template));
  renameSync(temporary, path);
  pruneCache(cacheDir);
  return { template, fromCache: false, key, path };
}

/** The hash a template is cached under: stack name, settings and the sources' contents. */
export function templateCacheKey(
  stackName: string,
  settings: Record<string, unknown>,
  options: Pick<TemplateCacheOptions, 'sourceRoot' | 'sources'> = {},
): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ stackName, settings: sortedKeys(settings) }));
  hashSources(hash, options.sourceRoot ?? PROJECT_ROOT, options.sources ?? TEMPLATE_SOURCES);
  return hash.digest('hex').slice(0, 32);
}

/** Adds every file under `sources` (paths and contents, in a stable order) to `hash`. */
export function hashSources(hash: Hash, root: string, sources: readonly string[]): void {
  for (const file of listFiles(root, sources)) {
    hash.update(`\0${relative(root, file)}\0`);
    hash.update(readFileSync(file));
  }
}

function listFiles(root: string, sources: readonly string[]): string[] {
  const files: string[] = [];
  const visit = (path: string) => {
    const relativePath = relative(root, path);
    if (EXCLUDED.has(relativePath) || EXCLUDED.has(relativePath.split('/').pop() ?? '')) return;
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(path);
    } catch {
      return; // a source that does not exist keys as absent
    }
    if (stats.isDirectory()) {
      for (const name of readdirSync(path).sort()) visit(join(path, name));
    } else if (stats.isFile()) {
      files.push(path);
    }
  };
  for (const source of sources) visit(join(root, source));
  return files;
}

function readCached(path: string): CloudFormationTemplate | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const template = JSON.parse(text) as CloudFormationTemplate;
    const now = new Date();
    utimesSync(path, now, now); // most recently used, for pruning
    return template;
  } catch {
    return undefined; // unreadable: synthesized again and overwritten
  }
}

function pruneCache(cacheDir: string): void {
  keepMostRecentlyUsed(
    cacheDir,
    (name) => name.startsWith('template-') && name.endsWith('.json'),
    KEPT_ENTRIES,
  );
}

/**
 * Removes the entries of `cacheDir` that `belongs` picks beyond the `kept` most recently used
 * (by modification time, which a hit refreshes); files and folders alike.
 */
export function keepMostRecentlyUsed(
  cacheDir: string,
  belongs: (name: string) => boolean,
  kept: number,
): void {
  const entries = readdirSync(cacheDir)
    .filter(belongs)
    .map((name) => {
      const path = join(cacheDir, name);
      try {
        return { path, usedAt: statSync(path).mtimeMs };
      } catch {
        return undefined;
      }
    })
    .filter((entry) => entry !== undefined)
    .sort((a, b) => b.usedAt - a.usedAt);
  for (const { path } of entries.slice(kept)) rmSync(path, { recursive: true, force: true });
}
