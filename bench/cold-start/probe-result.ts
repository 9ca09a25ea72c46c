/** Marks the probe's result line among whatever the handler logs on stdout. */
export const PROBE_MARK = 'coldStartProbe';

/** Milliseconds measured by `performance.now()` inside one fresh process. */
export interface ProbeResult {
  /** From process start to the probe's first line: Node.js start-up, the same for every bundle. */
  readonly bootMs: number;
  /** `await import(bundle)`: reading, compiling and evaluating the module graph. */
  readonly loadMs: number;
  /** The first `handler(event, context)`, including its AWS calls to the local endpoint. */
  readonly firstInvocationMs: number;
  /** `loadMs + firstInvocationMs`: what the budgets are about. */
  readonly totalMs: number;
  /** The handler's `statusCode`, when it answers like an API Gateway proxy integration. */
  readonly statusCode: number | null;
}

export function formatProbeResult(result: ProbeResult): string {
  return JSON.stringify({ [PROBE_MARK]: true, ...result });
}

export function parseProbeOutput(stdout: string): ProbeResult | undefined {
  const line = stdout
    .split('\n')
    .reverse()
    .find((candidate) => candidate.startsWith(`{"${PROBE_MARK}":true`));
  if (line === undefined) return undefined;
  const { [PROBE_MARK]: _mark, ...result } = JSON.parse(line) as ProbeResult & Record<string, true>;
  return result;
}
