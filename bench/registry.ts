import { apiInProcess } from './api/api-in-process';
import type { Benchmark } from './benchmark';
import { coldStart } from './cold-start/cold-start';

/**
 * Every benchmark `npm run bench` knows, in the order they run. A new benchmark is a module
 * exporting a `Benchmark` (see benchmark.ts), added here; the harness does the rest (the table,
 * the JSON, budget verdicts, `--only`, `--quick`, `--strict`). Still to come from issue 5:
 * 2. janitor at scale, 3. polling cost and latency, 4b. a burst through the local cloud.
 */
export const BENCHMARKS: readonly Benchmark[] = [coldStart, apiInProcess];
