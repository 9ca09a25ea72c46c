import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/** A port nobody listens on now (the OS's pick, released at once). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * The local cloud as `npm start` runs it (node with tsx, `infra/local/main.ts`), in a child process
 * that a test can kill (SIGKILL) or stop (SIGTERM) and start again on the same state folder.
 */
export class LocalCloudProcess {
  private child?: ChildProcess;
  private output: string[] = [];
  private signalled = false;
  private readonly errors: string[] = [];
  readonly apiUrl: string;
  readonly awsEndpoint: string;

  constructor(
    private readonly options: {
      readonly apiPort: number;
      readonly awsPort: number;
      readonly stateDir: string;
      readonly args?: readonly string[];
    },
  ) {
    this.apiUrl = `http://127.0.0.1:${options.apiPort}`;
    this.awsEndpoint = `http://127.0.0.1:${options.awsPort}`;
  }

  get createAmiUrl(): string {
    return `${this.apiUrl}/prod/create-ami`;
  }

  /** Starts the process and resolves once both its API and its AWS endpoint answer. */
  async start(timeoutMs = 120_000): Promise<void> {
    const { apiPort, awsPort, stateDir, args = [] } = this.options;
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'infra/local/main.ts',
        '--api-port',
        String(apiPort),
        '--aws-port',
        String(awsPort),
        '--state-dir',
        stateDir,
        ...args,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } },
    );
    this.child = child;
    this.signalled = false;
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString('utf8'));
      if (this.output.length > 200) this.output.splice(0, this.output.length - 200);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', (chunk: Buffer) => {
      keep(chunk);
      this.errors.push(chunk.toString('utf8'));
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) {
        throw new Error(`the local cloud exited (${child.exitCode}):\n${this.recentOutput()}`);
      }
      // The API starts last: once it answers, everything behind it is up.
      if ((await answers(this.apiUrl)) && (await answers(`${this.awsEndpoint}/_local/events`))) {
        return;
      }
      if (Date.now() > deadline)
        throw new Error(`the local cloud did not start:\n${this.recentOutput()}`);
      await new Promise((done) => setTimeout(done, 250));
    }
  }

  /** SIGKILL: no stop, no save, nothing the process could still do. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM, as a user's Ctrl-C or a service manager stops it; resolves with the exit code. */
  async stop(): Promise<number | null> {
    return this.signal('SIGTERM');
  }

  /** Throws, with its last lines, if the process ended without being killed or stopped. */
  assertAlive(): void {
    const child = this.child;
    if (child && !this.signalled && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(
        `the local cloud ended by itself (${child.exitCode ?? child.signalCode}):\n${this.recentOutput()}`,
      );
    }
  }

  recentOutput(): string {
    const errors = this.errors.join('').split('\n').slice(-30).join('\n');
    return `${this.output.join('').split('\n').slice(-20).join('\n')}\n--- stderr:\n${errors}`;
  }

  private async signal(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null)
      return child?.exitCode ?? null;
    this.signalled = true;
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.kill(signal);
    return exited;
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).arrayBuffer();
    return true;
  } catch {
    return false;
  }
}
