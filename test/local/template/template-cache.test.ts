import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CloudFormationTemplate } from '../../../infra/local/template/local-template';
import { synthesizeForLocalCloud } from '../../../infra/local/template/stack-template';
import {
  synthesizeTemplateCached,
  type TemplateCacheOptions,
} from '../../../infra/local/template/template-cache';
import { temporaryFolder } from '../../tools';

describe('the template cache', () => {
  let root: string;
  let synthesized: { stackName: string; settings: Record<string, unknown> }[];
  let options: TemplateCacheOptions;

  beforeEach(() => {
    // Prepare: a source tree of its own and a synthesis that counts its calls
    root = temporaryFolder('template-cache');
    mkdirSync(join(root, 'infra', 'local'), { recursive: true });
    writeFileSync(join(root, 'infra', 'stack.ts'), 'export const version = 1;');
    writeFileSync(join(root, 'infra', 'local', 'cloud.ts'), 'export const local = 1;');
    synthesized = [];
    options = {
      cacheDir: join(root, 'cache'),
      sourceRoot: root,
      sources: ['infra'],
      synthesize: (stackName, settings): CloudFormationTemplate => {
        synthesized.push({ stackName, settings });
        return {
          Resources: {
            Fn: {
              Type: 'AWS::Lambda::Function',
              Metadata: { 'ami-lifecycle:service': 'api', synthesis: synthesized.length },
            },
          },
        };
      },
    };
  });

  it('should synthesize once and answer the second call from the cache', async () => {
    // Act
    const first = await synthesizeTemplateCached('Stack', { retentionDays: 14 }, options);
    const second = await synthesizeTemplateCached('Stack', { retentionDays: 14 }, options);

    // Assess
    expect(synthesized).toHaveLength(1);
    expect(first.fromCache).toBe(false);
    expect(second.fromCache).toBe(true);
    expect(second.template).toEqual(first.template);
    expect(second.template.Resources.Fn?.Metadata?.synthesis).toBe(1);
  });

  it('should synthesize again when a source file changes', async () => {
    // Prepare
    await synthesizeTemplateCached('Stack', {}, options);

    // Act
    writeFileSync(join(root, 'infra', 'stack.ts'), 'export const version = 2;');
    const afterEdit = await synthesizeTemplateCached('Stack', {}, options);
    const again = await synthesizeTemplateCached('Stack', {}, options);

    // Assess
    expect(afterEdit.fromCache).toBe(false);
    expect(afterEdit.template.Resources.Fn?.Metadata?.synthesis).toBe(2);
    expect(again.fromCache).toBe(true);
    expect(synthesized).toHaveLength(2);
  });

  it('should synthesize again when a source file is added or the settings or stack differ', async () => {
    // Prepare
    await synthesizeTemplateCached('Stack', { retentionDays: 14 }, options);

    // Act
    const otherSettings = await synthesizeTemplateCached('Stack', { retentionDays: 30 }, options);
    const otherStack = await synthesizeTemplateCached('Other', { retentionDays: 14 }, options);
    writeFileSync(join(root, 'infra', 'new-construct.ts'), 'export {};');
    const afterAdd = await synthesizeTemplateCached('Stack', { retentionDays: 14 }, options);

    // Assess
    expect([otherSettings.fromCache, otherStack.fromCache, afterAdd.fromCache]).toEqual([
      false,
      false,
      false,
    ]);
    expect(synthesized).toHaveLength(4);
  });

  it('should not key on the local cloud, which only reads templates', async () => {
    // Prepare
    await synthesizeTemplateCached('Stack', {}, options);

    // Act
    writeFileSync(join(root, 'infra', 'local', 'cloud.ts'), 'export const local = 2;');
    const second = await synthesizeTemplateCached('Stack', {}, options);

    // Assess
    expect(second.fromCache).toBe(true);
    expect(synthesized).toHaveLength(1);
  });

  it('should key settings by value, whatever the order of their keys', async () => {
    // Act
    await synthesizeTemplateCached('Stack', { a: 1, b: { c: 2, d: 3 } }, options);
    const reordered = await synthesizeTemplateCached('Stack', { b: { d: 3, c: 2 }, a: 1 }, options);

    // Assess
    expect(reordered.fromCache).toBe(true);
  });

  it('should synthesize again over an unreadable entry', async () => {
    // Prepare
    const { path } = await synthesizeTemplateCached('Stack', {}, options);
    writeFileSync(path, '{ truncated');

    // Act
    const second = await synthesizeTemplateCached('Stack', {}, options);

    // Assess
    expect(second.fromCache).toBe(false);
    expect(synthesized).toHaveLength(2);
    expect(readdirSync(join(root, 'cache')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('should say on the timeline whether the template was synthesized or cached', async () => {
    // Prepare
    const lines: string[] = [];
    const timeline = ({ text }: { text: string }) => lines.push(text);

    // Act
    await synthesizeForLocalCloud('Stack', {}, timeline, options);
    await synthesizeForLocalCloud('Stack', {}, timeline, options);

    // Assess
    expect(lines.filter((line) => line.startsWith('stack template'))).toEqual([
      expect.stringMatching(/^stack template synthesized and cached/),
      expect.stringMatching(/^stack template cached, sources unchanged/),
    ]);
    expect(lines).toContain('synthesizing the stack…');
  });
});
