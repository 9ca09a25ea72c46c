import { apiInProcess } from './api/api-in-process';
import type { Benchmark } from './benchmark';
import { localCloudBurst } from './burst/local-cloud-burst';
import { coldStart } from './cold-start/cold-start';
import { janitorAtScale } from './janitor/janitor-at-scale';

/**
 * Every benchmark `npm run bench` knows, in the order they run. A new benchmark is a module
 * exporting a `Benchmark` (see benchmark.ts), added here; the harness does the rest (the table,
 * the JSON, budget verdicts, `--only`, `--quick`, `--strict`). Still to come from issue 5:
 * 3. polling cost and latency.
 */
export const BENCHMARKS: readonly Benchmark[] = [
  coldStart,
  janitorAtScale,
  apiInProcess,
  localCloudBurst,
];
