import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/** The AWS SDK clients the functions use; each is bundled from a tree-shakeable copy. */
export const SDK_CLIENTS = [
  '@aws-sdk/client-ec2',
  '@aws-sdk/client-eventbridge',
  '@aws-sdk/client-secrets-manager',
  '@aws-sdk/client-sfn',
] as const;

const STRING_CONSTANT = /^const (_\w+) = ("(?:[^"\\]|\\.)*");$/gm;
const COMPUTED_KEY = /\[(_\w+)\]:/g;

/**
 * The SDK clients' schema modules name object keys through string constants (`{ [_xN]: _ID }`).
 * esbuild must assume a computed key may have side effects, so it keeps every schema of a client
 * in the bundle: all of EC2's operations, some 550 KB that the creator and the janitor would
 * load at every cold start for the three operations they call. This writes, once per client
 * version, a copy of the client whose schema modules use the literal keys instead; the bundles
 * alias the client to it and esbuild keeps only the schemas the functions reach.
 *
 * Returns each installed client's alias: package name → its copy.
 */
export function treeShakeableSdkAliases(projectRoot: string): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const client of SDK_CLIENTS) {
    const installed = join(projectRoot, 'node_modules', client);
    if (!existsSync(join(installed, 'package.json'))) continue;
    const { version } = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      version: string;
    };
    const copy = join(
      projectRoot,
      'node_modules',
      '.cache',
      'ami-lifecycle',
      `${client}@${version}`,
    );
    if (!existsSync(join(copy, 'package.json'))) writeTreeShakeableCopy(installed, copy);
    aliases[client] = copy;
  }
  return aliases;
}

function writeTreeShakeableCopy(installed: string, copy: string): void {
  // Built beside its final place and renamed, so a half-written copy is never used.
  const building = `${copy}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  cpSync(join(installed, 'dist-es'), join(building, 'dist-es'), { recursive: true });
  cpSync(join(installed, 'package.json'), join(building, 'package.json'));
  const schemas = join(building, 'dist-es', 'schemas');
  for (const file of existsSync(schemas) ? readdirSync(schemas) : []) {
    if (file.endsWith('.js')) {
      const path = join(schemas, file);
      writeFileSync(path, withLiteralKeys(readFileSync(path, 'utf8')));
    }
  }
  // Several synths may build the same copy at once (parallel tests): the first rename wins and
  // the others discard theirs, so a copy in use is never replaced.
  try {
    renameSync(building, copy);
  } catch {
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(join(copy, 'package.json'))) throw new Error(`could not write ${copy}`);
  }
}

/** Replaces `[_name]:` keys by the string literal `_name` is declared as in the same module. */
export function withLiteralKeys(source: string): string {
  const constants = new Map(
    [...source.matchAll(STRING_CONSTANT)].map(([, name, literal]) => [name, literal]),
  );
  return source.replace(COMPUTED_KEY, (key, name: string) => {
    const literal = constants.get(name);
    return literal === undefined ? key : `${literal}:`;
  });
}
