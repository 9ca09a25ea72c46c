import type { lambdaContextFields } from './lambda-sandbox';

/**
 * What a child process invokes: written to a file by the bench, read by the child before any
 * timing starts.
 */
export interface Invocation {
  /** Absolute path of the handler module. */
  readonly entryFile: string;
  readonly handlerExport: string;
  readonly event: unknown;
  readonly context: ReturnType<typeof lambdaContextFields>;
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

/** The context object a handler receives, with a deadline counted from now. */
export function lambdaContext(invocation: Invocation): Record<string, unknown> {
  const { timeoutMs, ...fields } = invocation.context;
  const deadline = Date.now() + timeoutMs;
  return { ...fields, getRemainingTimeInMillis: () => deadline - Date.now() };
}

/** The handler a module exports, or an error naming what is missing. */
export function handlerOf(module: Record<string, unknown>, invocation: Invocation): Handler {
  const handler = module[invocation.handlerExport];
  if (typeof handler !== 'function') {
    throw new Error(`${invocation.entryFile} exports no function ${invocation.handlerExport}`);
  }
  return handler as Handler;
}
