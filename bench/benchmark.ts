import type { SynthesizedApp } from './synthesized-app';

/** Quick mode samples less and runs smaller loads (about 4.5 minutes on 2 cores); full mode samples more. */
export type BenchMode = 'quick' | 'full';

/** What every benchmark gets from the harness. */
export interface BenchContext {
  readonly mode: BenchMode;
  /** The repository root. */
  readonly projectRoot: string;
  /** A temporary directory of this run, removed when the run ends. */
  readonly workDir: string;
  /** A Node.js 24 binary (the Lambda runtime's major version) for child processes. */
  readonly node: string;
  /** `cdk synth` with the real bundling, run once per bench run and shared by benchmarks. */
  synth(): Promise<SynthesizedApp>;
  /** Progress for the operator, on stderr so stdout keeps only the report. */
  log(message: string): void;
}

/** A column of a benchmark's table: `figures[key]` of each row, formatted with `digits`. */
export interface Column {
  readonly key: string;
  readonly label: string;
  readonly digits?: number;
}

/** One budget of the issue, checked against one row. */
export interface BudgetVerdict {
  /** What is limited, e.g. `median / floor`. */
  readonly name: string;
  /** The limit as written in the issue, e.g. `≤ 1.15`. */
  readonly limit: string;
  readonly actual: number;
  readonly pass: boolean;
}

export type Figure = number | string | null;

export interface Row {
  /** What the row measures, e.g. a function name. */
  readonly subject: string;
  readonly figures: Readonly<Record<string, Figure>>;
  readonly budgets: readonly BudgetVerdict[];
}

export interface BenchmarkResult {
  readonly columns: readonly Column[];
  readonly rows: readonly Row[];
  /** Caveats the reader of the figures needs (sample sizes, what was left out). */
  readonly notes?: readonly string[];
  /** Raw samples and anything else worth keeping in the JSON only. */
  readonly details?: unknown;
}

/** A benchmark module: `bench/registry.ts` lists them in the order they run. */
export interface Benchmark {
  /** Short and stable: the key in the JSON and the value `--only` takes. */
  readonly id: string;
  /** The heading, e.g. `1. Cold start`. */
  readonly title: string;
  run(context: BenchContext): Promise<BenchmarkResult>;
}

/** Checks `actual` against a limit of the issue, e.g. `budget('median / floor', 1.02, '≤', 1.15)`. */
export function budget(
  name: string,
  actual: number,
  comparison: '≤' | '≥',
  limit: number,
): BudgetVerdict {
  const pass = comparison === '≤' ? actual <= limit : actual >= limit;
  return { name, limit: `${comparison} ${limit}`, actual, pass };
}
