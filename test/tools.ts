// The optional command-line tools some tests drive (the `aws` CLI), found once per test worker:
// each `--version` is a Python start, about a second of CPU, and five files ask.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What a tool answered to `--version`, or why it could not be run. */
export type Probe = { readonly version: string } | { readonly missing: string };

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

/** The `aws` CLI on PATH, whichever major version it is. */
export function awsCli(): Promise<Probe> {
  return probe('aws');
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
