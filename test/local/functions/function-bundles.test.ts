import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER } from '../../../infra/constructs/function-bundling';
import { bundleFunctions } from '../../../infra/local/functions/function-bundles';
import { temporaryFolder } from '../../tools';

describe('bundleFunctions', () => {
  const cacheDir = temporaryFolder('function-bundles');

  it('should bundle a handler as the CDK app does, once per version of the sources', async () => {
    const first = await bundleFunctions(['api'], { cacheDir });
    const entry = first.get('api') ?? '';
    const builtAt = statSync(entry).mtimeMs;

    const second = await bundleFunctions(['api'], { cacheDir });

    expect(readFileSync(entry, 'utf8').startsWith(ESM_REQUIRE_BANNER)).toBe(true);
    expect(statSync(`${entry}.map`).isFile()).toBe(true);
    // Unchanged sources: the same file, not built again.
    expect(second.get('api')).toBe(entry);
    expect(statSync(entry).mtimeMs).toBe(builtAt);
  });
});
