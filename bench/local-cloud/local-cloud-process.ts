import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** `npm start` as a child process: one Node.js process with tsx's loader. */
export interface LocalCloudProcess {
  readonly child: ChildProcess;
  readonly createAmiUrl: string;
  readonly awsEndpoint: string;
  /** From spawning to the start banner (everything listening). */
  readonly readyMs: number;
  /** Everything it printed so far. */
  output(): string;
  /** SIGINT, as Ctrl-C: the cloud saves its state and exits. */
  stop(): Promise<void>;
}

export interface LocalCloudProcessOptions {
  readonly node: string;
  readonly projectRoot: string;
  readonly stateDir: string;
  readonly args?: readonly string[];
  readonly timeoutMs: number;
}

/** Starts what `npm start` runs, with the bench's Node.js, on free ports; resolves once ready. */
export async function startLocalCloudProcess(
  options: LocalCloudProcessOptions,
): Promise<LocalCloudProcess> {
  const [apiPort, awsPort] = [await freePort(), await freePort()];
  const started = performance.now();
  const child = spawn(
    options.node,
    [
      ...startScriptArguments(options.projectRoot),
      '--api-port',
      String(apiPort),
      '--aws-port',
      String(awsPort),
      '--state-dir',
      options.stateDir,
      ...(options.args ?? []),
    ],
    {
      cwd: options.projectRoot,
      env: { ...process.env, NO_COLOR: '1', WEBHOOK_URL: '', NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`local cloud not ready in ${options.timeoutMs} ms:\n${output.slice(-2000)}`),
        ),
      options.timeoutMs,
    );
    const onData = (chunk: string) => {
      output += chunk;
      if (output.includes('ami-lifecycle is running locally')) {
        clearTimeout(timer);
        resolve(performance.now() - started);
      }
    };
    child.stdout?.setEncoding('utf8').on('data', onData);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(`local cloud exited (${code}) before it was ready:\n${output.slice(-2000)}`),
      );
    });
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    await exited;
  };
  let readyMs: number;
  try {
    readyMs = await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    child,
    createAmiUrl: `http://127.0.0.1:${apiPort}/prod/create-ami`,
    awsEndpoint: `http://127.0.0.1:${awsPort}`,
    readyMs,
    output: () => output,
    stop,
  };
}

/** A process and its descendants, as /proc lists them now. */
export function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // The parent is the 2nd field after the command, which is in parentheses and may hold spaces.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(name), Number(fields[1]));
    } catch {
      // ended meanwhile
    }
  }
  const tree = [root];
  for (let index = 0; index < tree.length; index++) {
    for (const [pid, parent] of parents) if (parent === tree[index]) tree.push(pid);
  }
  return tree.filter((pid) => parents.has(pid));
}

/** `VmRSS` and `VmHWM` (peak RSS) of one process, in KiB, as the kernel reports them. */
export function memoryOf(pid: number): { rssKiB: number; hwmKiB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
  } catch {
    return undefined;
  }
}

/**
 * Samples the tree's summed RSS every `intervalMs`, and keeps each process's last `VmHWM`: their
 * sum bounds the tree's peak from above (processes may peak at different times), the sampled
 * maximum from below.
 */
export function watchTreeMemory(root: number, intervalMs: number) {
  const hwmByPid = new Map<number, number>();
  let peakSampledKiB = 0;
  const sample = () => {
    let total = 0;
    for (const pid of processTree(root)) {
      const memory = memoryOf(pid);
      if (!memory) continue;
      total += memory.rssKiB;
      hwmByPid.set(pid, Math.max(hwmByPid.get(pid) ?? 0, memory.hwmKiB));
    }
    peakSampledKiB = Math.max(peakSampledKiB, total);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    /** Samples once more and stops; call while the processes still run. */
    finish() {
      sample();
      clearInterval(timer);
      return {
        processes: hwmByPid.size,
        peakSampledKiB,
        summedHwmKiB: [...hwmByPid.values()].reduce((sum, kib) => sum + kib, 0),
        hwmByPid: Object.fromEntries(hwmByPid),
      };
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The arguments `npm start` gives `node` (package.json's `start` script), so the bench runs it. */
function startScriptArguments(projectRoot: string): string[] {
  const { scripts } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const [command, ...args] = scripts.start.split(/\s+/);
  if (command !== 'node') throw new Error(`npm start runs "${command}", not node`);
  return args;
}
