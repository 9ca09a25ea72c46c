import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { synthesizeTemplate } from '../../../infra/local/template/synthesize-template';

describe('a synthesis for the local cloud', () => {
  const systemTemporary = process.env.TMPDIR;
  let temporary: string | undefined;

  afterEach(() => {
    if (systemTemporary === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = systemTemporary;
    if (temporary) rmSync(temporary, { recursive: true, force: true });
  });

  it('should leave no cloud assembly behind in the temporary folder', () => {
    // Prepare: a temporary folder of its own, so that nothing else writes there meanwhile
    temporary = mkdtempSync(join(tmpdir(), 'ami-lifecycle-synthesis-'));
    process.env.TMPDIR = temporary;

    // Act
    const template = synthesizeTemplate('AmiLifecycle');

    // Assess: `npm start` synthesizes on every change of the sources; each left a folder
    expect(Object.keys(template.Resources ?? {})).not.toHaveLength(0);
    expect(readdirSync(temporary)).toEqual([]);
  });
});
