import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../account';
import type { BudgetedFunction, EnvironmentBudget } from './environment-budget';

export interface LocalFunctionOptions {
  /** The name Lambda would give it; used in logs and the context object. */
  readonly functionName: string;
  /** Its ARN, as the context's `invokedFunctionArn`; one in the local account by default. */
  readonly functionArn?: string;
  /** Absolute path of the handler module (TypeScript source). */
  readonly entry: string;
  readonly exportName?: string;
  /** The environment the template gives the function, resolved to local values. */
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memoryMb?: number;
  /** Like Lambda's reserved concurrency: at most this many environments at once. */
  readonly maxConcurrency?: number;
  /** Shared with the other functions of the same cloud: how many environments all may hold. */
  readonly budget?: EnvironmentBudget;
  /** Where the function's stdout/stderr go (its JSON logs); discarded when absent. */
  readonly logs?: Writable;
}

export class FunctionInvocationError extends Error {
  constructor(
    readonly functionName: string,
    readonly errorType: string,
    message: string,
    readonly remoteStack?: string,
  ) {
    super(`${functionName} failed with ${errorType}: ${message}`);
    this.name = 'FunctionInvocationError';
  }
}

interface Environment {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  busy: boolean;
}

interface Reply {
  readonly requestId: string;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: { name: string; message: string; stack?: string };
}

const WORKER_URL = new URL('./function-worker.mjs', import.meta.url);

/**
 * A function of the local cloud: each concurrent invocation gets its own execution environment (a
 * worker thread with the function's own `process.env`, and a heap no bigger than the function's
 * memory), reused while warm, and thrown away on a timeout or crash, as Lambda does.
 */
export class LocalFunction implements BudgetedFunction {
  private readonly environments: Environment[] = [];
  private readonly waiting: (() => void)[] = [];
  private closed = false;

  constructor(private readonly options: LocalFunctionOptions) {
    options.budget?.register(this);
  }

  get name(): string {
    return this.options.functionName;
  }

  async invoke(event: unknown): Promise<unknown> {
    const environment = await this.acquire();
    try {
      return await this.run(environment, event);
    } finally {
      environment.busy = false;
      if (!this.wakeWaiter()) this.options.budget?.idle();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.options.budget?.unregister(this);
    const stopping = [...this.environments];
    for (const environment of stopping) this.discard(environment);
    for (const wake of this.waiting.splice(0)) wake();
    await Promise.all(stopping.map((environment) => environment.worker.terminate()));
  }

  wakeWaiter(): boolean {
    const wake = this.waiting.shift();
    wake?.();
    return wake !== undefined;
  }

  reclaimIdle(): boolean {
    const idle = this.environments.find((environment) => !environment.busy);
    if (!idle) return false;
    this.discard(idle);
    void idle.worker.terminate();
    return true;
  }

  private async acquire(): Promise<Environment> {
    for (;;) {
      if (this.closed) throw new Error(`${this.name} is stopped`);
      const idle = this.environments.find((environment) => !environment.busy);
      if (idle) {
        idle.busy = true;
        await idle.ready;
        return idle;
      }
      if (
        this.environments.length < (this.options.maxConcurrency ?? 10) &&
        (this.options.budget?.take(this) ?? true)
      ) {
        const created = this.start();
        created.busy = true;
        await created.ready;
        return created;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private start(): Environment {
    const {
      functionName,
      entry,
      exportName = 'handler',
      environment,
      memoryMb = 256,
      functionArn = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    } = this.options;
    const worker = new Worker(WORKER_URL, {
      workerData: { entry, exportName, functionName, functionArn, memoryMb },
      // Not the parent's flags: `npm start` runs under `--import tsx`, whose loader would cost
      // every environment most of a second to start and slow each import, and a bundle needs
      // none (a TypeScript entry loads tsx itself, see function-worker.mjs).
      execArgv: [],
      env: { ...environment },
      resourceLimits: heapLimits(memoryMb),
      stdout: true,
      stderr: true,
    });
    // Written chunk by chunk rather than piped: every environment shares one log stream, and a
    // pipe per environment would pile listeners onto it.
    const logs = this.options.logs;
    const write = (chunk: Buffer) => logs?.write(chunk);
    worker.stdout.on('data', write);
    worker.stderr.on('data', write);
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: { ready?: boolean }) => {
        if (message.ready) {
          worker.off('error', reject);
          worker.off('message', onMessage);
          resolve();
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    const created: Environment = { worker, ready, busy: false };
    // An environment that fails to start (e.g. bad configuration) is discarded; the error
    // reaches the invocation that waited for it.
    ready.catch(() => this.discard(created));
    worker.once('exit', () => this.discard(created));
    this.environments.push(created);
    return created;
  }

  private run(environment: Environment, event: unknown): Promise<unknown> {
    const requestId = randomUUID();
    const timeoutMs = this.options.timeoutSeconds * 1000;
    const { worker } = environment;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        this.discard(environment);
        void worker.terminate();
        reject(
          new FunctionInvocationError(
            this.name,
            'Sandbox.Timedout',
            `Task timed out after ${this.options.timeoutSeconds} seconds`,
          ),
        );
      }, timeoutMs);
      const onMessage = (reply: Reply) => {
        if (reply.requestId !== requestId) return;
        cleanup();
        if (reply.ok) resolve(reply.result);
        else
          reject(
            new FunctionInvocationError(
              this.name,
              reply.error?.name ?? 'Error',
              reply.error?.message ?? 'unknown error',
              reply.error?.stack,
            ),
          );
      };
      const onError = (error: NodeJS.ErrnoException) => {
        cleanup();
        this.discard(environment);
        const message =
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `Runtime exited: out of memory (${this.options.memoryMb ?? 256} MB)`
            : error.message;
        reject(new FunctionInvocationError(this.name, 'Runtime.ExitError', message));
      };
      const cleanup = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.postMessage({ requestId, event, deadline: Date.now() + timeoutMs });
    });
  }

  private discard(environment: Environment): void {
    const index = this.environments.indexOf(environment);
    if (index < 0) return;
    this.environments.splice(index, 1);
    this.options.budget?.release();
  }
}

/**
 * The function's memory as the environment's heap: a handler that outgrows it fails here as it
 * would in Lambda. The young generation is kept small, as V8 sizes it for a small heap; left to
 * its default, every idle environment would keep tens of megabytes of it.
 */
function heapLimits(memoryMb: number): {
  maxOldGenerationSizeMb: number;
  maxYoungGenerationSizeMb: number;
} {
  return {
    maxOldGenerationSizeMb: memoryMb,
    maxYoungGenerationSizeMb: Math.min(16, Math.max(1, Math.floor(memoryMb / 64))),
  };
}
