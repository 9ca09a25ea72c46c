// The command-line tools some tests drive: the optional `aws` CLI found on PATH, and its v2 asked
// for its version once per test worker (each `--version` is a Python start, about a second of
// CPU); a way to run any of them to its end; and the temporary folders tests write to, removed
// after them.
import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What a tool answered to `--version`, or why it could not be run. */
type Probe = { readonly version: string } | { readonly missing: string };

const probes = new Map<string, Promise<Probe>>();

/** Runs `<command> --version` the first time a worker asks; later asks share the answer. */
function probe(command: string): Promise<Probe> {
  let found = probes.get(command);
  if (found === undefined) {
    found = run(command, ['--version']).then(
      ({ stdout, stderr }) => ({ version: `${stdout}${stderr}`.trim() }),
      (error: Error) => ({ missing: `${command}: ${error.message.split('\n')[0]}` }),
    );
    probes.set(command, found);
  }
  return found;
}

/**
 * The `aws` CLI on PATH, whichever major version it is: found on PATH rather than asked for its
 * version, since any version will do. One that is found but does not work fails its test.
 */
export async function awsCli(): Promise<{ path: string } | { missing: string }> {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(folder, 'aws');
    try {
      accessSync(path, constants.X_OK);
      return { path };
    } catch {
      // not in this folder
    }
  }
  return { missing: 'aws: not found on PATH' };
}

/**
 * The `aws` CLI v2, the one users have: Debian's package installs it as /usr/bin/aws, which a
 * Python environment's v1 may shadow on PATH. Answers its path, or why there is none.
 */
export async function awsCliV2(): Promise<{ path: string } | { missing: string }> {
  const found: string[] = [];
  for (const path of ['/usr/bin/aws', 'aws']) {
    const answer = await probe(path);
    if ('version' in answer && answer.version.startsWith('aws-cli/2.')) return { path };
    found.push('version' in answer ? `${path}: ${answer.version}` : answer.missing);
  }
  return { missing: `aws CLI v2 not found (${found.join('; ')})` };
}

/** What a command printed and how it ended. */
export interface Finished {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end without blocking the test worker; rejects only if it cannot start. */
export function runToEnd(
  command: string,
  args: readonly string[],
  options: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv } = {},
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const temporaryFolders: string[] = [];

/**
 * A new empty folder in the system's temporary folder, removed when the test file ends (see
 * test/setup.ts): after the file's own `afterAll` hooks, so a local cloud is stopped before its
 * state folder goes. A test run makes dozens, several megabytes each, on a machine others use.
 */
export function temporaryFolder(prefix: string): string {
  const folder = mkdtempSync(join(tmpdir(), `ami-lifecycle-${prefix}-`));
  temporaryFolders.push(folder);
  return folder;
}

/** Removes every folder `temporaryFolder` made since the last call. */
export function removeTemporaryFolders(): void {
  for (const folder of temporaryFolders.splice(0)) {
    rmSync(folder, { recursive: true, force: true, maxRetries: 3 });
  }
}
