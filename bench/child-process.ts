import { spawn } from 'node:child_process';

export interface ChildOutput {
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Exactly the child's environment: nothing is inherited from the bench. */
  readonly env: Record<string, string>;
  readonly timeoutMs: number;
  /** Send stdout to /dev/null, for children that log on every request. */
  readonly discardStdout?: boolean;
}

/**
 * Runs `node ...args` and collects its output; a non-zero exit or a timeout rejects with the end
 * of its output.
 */
export function runNode(
  node: string,
  args: readonly string[],
  options: RunOptions,
): Promise<ChildOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, args, {
      env: options.env,
      stdio: ['ignore', options.discardStdout ? 'ignore' : 'pipe', 'pipe'],
      timeout: options.timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve({ stdout, stderr });
      else {
        const tail = (stderr || stdout).trim().split('\n').slice(-12).join('\n');
        reject(new Error(`${args[0]} exited with ${signal ?? code}:\n${tail}`));
      }
    });
  });
}
