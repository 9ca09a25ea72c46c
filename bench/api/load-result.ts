/** What the load runner measured, written to a file (its stdout carries the handler's logs). */
export interface LoadResult {
  readonly requests: number;
  /** Answers other than 202, and thrown errors. */
  readonly errors: number;
  readonly firstError?: string;
  readonly seconds: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
    readonly mean: number;
  };
  /** Resident memory of the process after the run. */
  readonly rssMiB: number;
}
