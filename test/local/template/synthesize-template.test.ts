import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { synthesizeTemplate } from '../../../infra/local/template/synthesize-template';
import { temporaryFolder } from '../../tools';

describe('a synthesis for the local cloud', () => {
  const systemTemporary = process.env.TMPDIR;

  afterEach(() => {
    if (systemTemporary === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = systemTemporary;
  });

  it('should leave no cloud assembly behind in the temporary folder', () => {
    // Prepare: a temporary folder of its own, so that nothing else writes there meanwhile
    const temporary = temporaryFolder('synthesis');
    process.env.TMPDIR = temporary;

    // Act
    const template = synthesizeTemplate('AmiLifecycle');

    // Assess: `npm start` synthesizes on every change of the sources; each left a folder
    expect(Object.keys(template.Resources ?? {})).not.toHaveLength(0);
    expect(readdirSync(temporary)).toEqual([]);
  });
});
