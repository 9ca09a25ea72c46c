import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileDurably } from '../persistence/durable-files';
import type { CloudFormationTemplate } from './local-template';

const ROOT = resolve(import.meta.dirname, '../../..');
/** What the synthesized stack is made from: the CDK app, the handlers it points at, the events. */
const SOURCES = ['infra', 'services', 'events', 'package-lock.json', 'cdk.json'];
const CACHE = join(ROOT, 'node_modules', '.cache', 'ami-lifecycle', 'templates');

/**
 * The template synthesized from these sources and settings before, or a new synthesis kept for
 * next time. Synthesizing takes seconds to most of a minute on a loaded machine, and a restart of
 * the local cloud (after a crash, say) should not wait for it when nothing changed. The key covers
 * every source file's content, so an edit anywhere synthesizes again.
 */
export function cachedTemplate(
  stackName: string,
  settings: Record<string, unknown>,
  synthesize: () => CloudFormationTemplate,
): CloudFormationTemplate {
  const hash = createHash('sha256').update(JSON.stringify({ stackName, settings }));
  for (const file of SOURCES.flatMap((source) => filesUnder(join(ROOT, source)))) {
    hash.update(file).update(readFileSync(file));
  }
  const path = join(CACHE, `${hash.digest('hex')}.json`);
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as CloudFormationTemplate;
  const template = synthesize();
  writeFileDurably(path, JSON.stringify(template));
  return template;
}

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, encoding: 'utf8' })
    .map((name) => join(path, name))
    .filter((file) => statSync(file).isFile())
    .sort();
}
