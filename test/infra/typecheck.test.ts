import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/local/template/template-cache';

/** TypeScript's own command-line entry, run on the Node that runs the tests. */
const TSC = join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * `tsc --noEmit` over the whole project (tsconfig.json), as `npm run typecheck` runs it. Run as a
 * test, it checks while other test files run instead of before all of them, and a type error
 * fails the run with tsc's own diagnostics.
 */
describe('the project’s types', () => {
  it('should check with tsc --noEmit', { timeout: 180_000 }, async () => {
    const { status, output } = await new Promise<{ status: number | null; output: string }>(
      (resolve, reject) => {
        const child = spawn(process.execPath, [TSC, '--noEmit'], {
          cwd: PROJECT_ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          output += chunk;
        });
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
          output += chunk;
        });
        child.once('error', reject);
        child.once('close', (code) => resolve({ status: code, output }));
      },
    );

    expect(output.trim(), 'tsc --noEmit reported').toBe('');
    expect(status).toBe(0);
  });
});
