import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/local/template/template-cache';
import { runToEnd } from '../tools';

/** TypeScript's own command-line entry, run on the Node that runs the tests. */
const TSC = join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * `tsc --noEmit` over the whole project (tsconfig.json), as `npm run typecheck` runs it. Run as a
 * test, it checks while other test files run instead of before all of them, and a type error
 * fails the run with tsc's own diagnostics. In one thread: the other test files keep the cores
 * busy, and tsc's parallel checkers cost about half again as much CPU for the same check.
 */
describe('the project’s types', () => {
  it('should check with tsc --noEmit', { timeout: 180_000 }, async () => {
    const { status, stdout, stderr } = await runToEnd(
      process.execPath,
      [TSC, '--noEmit', '--singleThreaded'],
      { cwd: PROJECT_ROOT },
    );

    expect(`${stdout}${stderr}`.trim(), 'tsc --noEmit reported').toBe('');
    expect(status).toBe(0);
  });
});
