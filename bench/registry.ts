import { apiInProcess } from './api/api-in-process';
import type { Benchmark } from './benchmark';
import { localCloudBurst } from './burst/local-cloud-burst';
import { coldStart } from './cold-start/cold-start';
import { janitorAtScale } from './janitor/janitor-at-scale';
import { janitorMemory } from './janitor/janitor-memory';
import { localCloudConcurrentRequests } from './local-cloud/concurrent-requests';
import { localCloudSecondStart } from './local-cloud/second-start';
import { pollingCost } from './polling/polling-cost';

/**
 * Every benchmark `npm run bench` knows, in the order they run. A new benchmark is a module
 * exporting a `Benchmark` (see benchmark.ts), added here; the harness does the rest (the table,
 * the JSON, budget verdicts, `--only`, `--quick`, `--strict`).
 */
export const BENCHMARKS: readonly Benchmark[] = [
  coldStart,
  janitorAtScale,
  pollingCost,
  apiInProcess,
  localCloudBurst,
  janitorMemory,
  localCloudConcurrentRequests,
  localCloudSecondStart,
];
