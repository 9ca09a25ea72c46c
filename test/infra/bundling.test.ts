import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSettings } from '../../infra/settings';
import { AmiLifecycleStack } from '../../infra/stack';
import { TEMPLATE_METADATA } from '../../infra/template-metadata';
import { propertyOf, resourcesWithMetadata, templateJson } from './template';

describe('function bundles', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'ami-lifecycle-bundles-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('should bundle each handler into minified ESM with a source map and a working require', () => {
    const app = new App({ outdir });
    const stack = new AmiLifecycleStack(app, 'AmiLifecycle', { settings: parseSettings({}) });
    app.synth();

    const functions = resourcesWithMetadata(
      templateJson(Template.fromStack(stack)),
      'AWS::Lambda::Function',
      TEMPLATE_METADATA.service,
    );
    expect(functions).toHaveLength(4);
    for (const [, fn] of functions) {
      // The code's S3 key is the asset hash; the cloud assembly keeps the bundle beside it.
      const key = propertyOf<{ S3Key: string }>(fn, 'Code').S3Key;
      const bundle = join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
      expect(existsSync(bundle), `${fn.Metadata?.[TEMPLATE_METADATA.service]} bundle`).toBe(true);
      expect(existsSync(`${bundle}.map`)).toBe(true);
      const code = readFileSync(bundle, 'utf8');
      expect(
        code.startsWith("import { createRequire as __createRequire } from 'node:module';"),
      ).toBe(true);
      expect(code).toMatch(/export\s*\{[^}]*handler/);
      // Only the environment link of the SDK's credential chain, as Lambda provides credentials.
      const { sources } = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as {
        sources: string[];
      };
      expect(
        sources.some((source) => source.includes('services/shared/lambda-credentials.ts')),
      ).toBe(true);
      expect(
        sources.filter((source) => /credential-provider-(node|ini|sso|process)\//.test(source)),
      ).toEqual([]);
    }
  }, 120_000);
});
