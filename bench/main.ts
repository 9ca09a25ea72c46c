import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createContext } from './context';
import { describeMachine } from './machine';
import { BENCHMARKS } from './registry';
import { type BenchmarkOutcome, failedBudgets, renderReport, writeResults } from './report';

const USAGE = `npm run bench [-- options]
  --quick        fewer samples and smaller runs (about 4.5 minutes on 2 cores)
  --strict       exit non-zero when a budget fails (benchmarks never gate npm test)
  --only <ids>   comma-separated benchmark ids: ${BENCHMARKS.map((benchmark) => benchmark.id).join(', ')}
  --help`;

const projectRoot = join(import.meta.dirname, '..');

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      only: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const only = values.only?.split(',').map((id) => id.trim());
  const unknown = only?.filter((id) => !BENCHMARKS.some((benchmark) => benchmark.id === id));
  if (unknown !== undefined && unknown.length > 0) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}\n${USAGE}\n`);
    return 2;
  }
  const selected = BENCHMARKS.filter((benchmark) => only?.includes(benchmark.id) ?? true);

  const startedAt = new Date().toISOString();
  const mode = values.quick ? 'quick' : 'full';
  const context = await createContext(mode, projectRoot);
  const machine = describeMachine(context.nodeVersion);
  const outcomes: BenchmarkOutcome[] = [];
  const runStarted = performance.now();
  try {
    for (const benchmark of selected) {
      context.log(`${benchmark.id}: start`);
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const result = await benchmark.run(context);
        outcomes.push({ id: benchmark.id, title: benchmark.title, seconds: seconds(), result });
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        outcomes.push({
          id: benchmark.id,
          title: benchmark.title,
          seconds: seconds(),
          error: message,
        });
      }
    }
  } finally {
    await context.dispose();
  }

  const report = {
    startedAt,
    mode,
    seconds: (performance.now() - runStarted) / 1000,
    machine,
    benchmarks: outcomes,
  } as const;
  process.stdout.write(renderReport(report));
  const file = await writeResults(join(projectRoot, 'bench', 'results'), report);
  process.stdout.write(`Figures written to ${file} and bench/results/latest.json\n`);

  if (outcomes.some((outcome) => outcome.error !== undefined)) return 1;
  return values.strict && failedBudgets(report).length > 0 ? 1 : 0;
}

process.exitCode = await main();
