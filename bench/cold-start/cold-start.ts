import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type BenchContext, type Benchmark, budget, type Row } from '../benchmark';
import { type BundleSize, bundleSize } from '../bundle-size';
import { runNode } from '../child-process';
import { buildChildScript } from '../child-script';
import { firstEvent } from '../first-events';
import type { Invocation } from '../invocation';
import { lambdaContextFields, lambdaEnvironment } from '../lambda-sandbox';
import { startLocalAws } from '../local-aws';
import { median, percentile, round } from '../stats';
import type { SynthesizedFunction } from '../synthesized-app';
import { parseProbeOutput } from './probe-result';
import { buildReferences } from './references';

/** The budgets: the function against its references built in the same run. */
const MAX_RATIO_TO_FLOOR = 1.15;
const MAX_RATIO_TO_NAIVE = 0.75;
const PROCESSES = { quick: 20, full: 40 } as const;
/**
 * Probes running at once. Full mode runs them one by one; quick mode runs two, which halves its
 * time at the price of noisier absolute figures (each probe shares the CPU with another, drawn
 * from the same interleaved schedule, so the ratios stay comparable).
 */
const LANES = { quick: 2, full: 1 } as const;
const PROBE_TIMEOUT_MS = 30_000;

type VariantKind = 'function' | 'floor' | 'naive';
const KINDS: readonly VariantKind[] = ['function', 'floor', 'naive'];

interface Variant {
  readonly fn: SynthesizedFunction;
  readonly kind: VariantKind;
  readonly invocationFile: string;
  readonly env: Record<string, string>;
  readonly size: BundleSize;
  /** The calls the local endpoint answered during the warm-up run. */
  calls: string[];
  readonly totalMs: number[];
  readonly loadMs: number[];
  readonly firstInvocationMs: number[];
}

export const coldStart: Benchmark = {
  id: 'cold-start',
  title: '1. Cold start (bundles as CDK builds them, fresh Node.js 24 processes)',
  async run(context) {
    const app = await context.synth();
    const dir = join(context.workDir, 'cold-start');
    const probe = join(dir, 'probe.mjs');
    await buildChildScript(join(import.meta.dirname, 'probe.ts'), probe);
    const aws = await startLocalAws();
    try {
      const variants: Variant[][] = [];
      for (const fn of app.functions) {
        variants.push(await prepareVariants(context, fn, dir, aws.url));
      }
      const run = async (variant: Variant) => {
        const { stdout } = await runNode(context.node, [probe, variant.invocationFile], {
          env: variant.env,
          timeoutMs: PROBE_TIMEOUT_MS,
        });
        const result = parseProbeOutput(stdout);
        if (result === undefined) {
          throw new Error(
            `${label(variant)}: no result line in its output:\n${stdout.slice(-2000)}`,
          );
        }
        if (variant.fn.service === 'api' && result.statusCode !== 202) {
          throw new Error(`${label(variant)}: answered ${result.statusCode}, not 202`);
        }
        return result;
      };

      // One unmeasured run each fills the file cache and shows that every bundle works.
      for (const variant of variants.flat()) {
        await run(variant);
        variant.calls = aws.takeCalls();
      }
      // Round-robin, rotating the order within each function, so a burst of load from elsewhere
      // on the machine hits the function and its references alike.
      const processes = PROCESSES[context.mode];
      const schedule: Variant[] = [];
      for (let round = 0; round < processes; round += 1) {
        for (const group of variants) {
          for (let i = 0; i < group.length; i += 1) {
            schedule.push(group[(i + round) % group.length] as Variant);
          }
        }
      }
      let next = 0;
      const lane = async () => {
        while (next < schedule.length) {
          const variant = schedule[next++] as Variant;
          if (next % 60 === 1) context.log(`cold start: process ${next}/${schedule.length}`);
          const result = await run(variant);
          variant.totalMs.push(result.totalMs);
          variant.loadMs.push(result.loadMs);
          variant.firstInvocationMs.push(result.firstInvocationMs);
        }
      };
      const lanes = LANES[context.mode];
      await Promise.all(Array.from({ length: lanes }, lane));
      return {
        columns: [
          { key: 'entryKiB', label: 'bundle KiB' },
          { key: 'totalKiB', label: 'with maps KiB' },
          { key: 'loadMs', label: 'load ms' },
          { key: 'firstCallMs', label: '1st call ms' },
          { key: 'medianMs', label: 'median ms' },
          { key: 'p90Ms', label: 'p90 ms' },
          { key: 'floorMs', label: 'floor ms' },
          { key: 'naiveMs', label: 'naive ms' },
          { key: 'toFloor', label: '÷ floor', digits: 2 },
          { key: 'toNaive', label: '÷ naive', digits: 2 },
          { key: 'floorToNaive', label: 'floor ÷ naive', digits: 2 },
        ],
        rows: variants.map(toRow),
        notes: [
          `${processes} measured processes per bundle (after one warm-up each), interleaved, ${LANES[context.mode]} at a time; times are load + first invocation, medians unless marked.`,
          'Each process gets the template environment of its function (NODE_OPTIONS included), dummy credentials and AWS_ENDPOINT_URL pointing at a loopback stub.',
          'floor: the same AWS calls, one of each kind, and nothing else; naive: the floor behind the whole of zod and middy. Both built with the CDK bundling options.',
          `Where floor ÷ naive exceeds ${MAX_RATIO_TO_NAIVE}, the naive budget cannot be met without beating the floor itself.`,
        ],
        details: Object.fromEntries(
          variants.map((group) => [group[0]?.fn.service, describe(group)]),
        ),
      };
    } finally {
      await aws.close();
    }
  },
};

async function prepareVariants(
  context: BenchContext,
  fn: SynthesizedFunction,
  dir: string,
  endpointUrl: string,
): Promise<Variant[]> {
  const references = await buildReferences(fn, join(dir, 'references'));
  const bundles = [
    { kind: 'function' as const, dir: fn.assetDir, entryFile: fn.entryFile },
    ...references,
  ];
  const home = join(context.workDir, 'home');
  await mkdir(home, { recursive: true });
  const variants: Variant[] = [];
  for (const bundle of bundles) {
    const invocation: Invocation = {
      entryFile: bundle.entryFile,
      handlerExport: bundle.kind === 'function' ? fn.handlerExport : 'handler',
      event: firstEvent(fn.service),
      context: lambdaContextFields(fn),
    };
    const invocationFile = join(dir, 'invocations', `${fn.service}-${bundle.kind}.json`);
    await mkdir(dirname(invocationFile), { recursive: true });
    await writeFile(invocationFile, JSON.stringify(invocation));
    variants.push({
      fn,
      kind: bundle.kind,
      invocationFile,
      env: lambdaEnvironment(fn, { endpointUrl, taskRoot: bundle.dir, home }),
      size: await bundleSize(bundle.dir, bundle.entryFile),
      calls: [],
      totalMs: [],
      loadMs: [],
      firstInvocationMs: [],
    });
  }
  return variants;
}

function label(variant: Variant): string {
  return variant.kind === 'function' ? variant.fn.service : `${variant.fn.service} ${variant.kind}`;
}

function byKind(group: readonly Variant[]): Record<VariantKind, Variant> {
  const found = Object.fromEntries(group.map((variant) => [variant.kind, variant]));
  for (const kind of KINDS) {
    if (found[kind] === undefined) throw new Error(`missing the ${kind} variant`);
  }
  return found as Record<VariantKind, Variant>;
}

function toRow(group: readonly Variant[]): Row {
  const { function: fn, floor, naive } = byKind(group);
  const functionMs = median(fn.totalMs);
  const toFloor = functionMs / median(floor.totalMs);
  const toNaive = functionMs / median(naive.totalMs);
  const kib = (bytes: number) => round(bytes / 1024, 0);
  return {
    subject: fn.fn.service,
    figures: {
      entryKiB: kib(fn.size.entryBytes),
      totalKiB: kib(fn.size.totalBytes),
      loadMs: round(median(fn.loadMs)),
      firstCallMs: round(median(fn.firstInvocationMs)),
      medianMs: round(functionMs),
      p90Ms: round(percentile(fn.totalMs, 90)),
      floorMs: round(median(floor.totalMs)),
      naiveMs: round(median(naive.totalMs)),
      toFloor: round(toFloor, 3),
      toNaive: round(toNaive, 3),
      floorToNaive: round(median(floor.totalMs) / median(naive.totalMs), 3),
    },
    budgets: [
      budget('median ÷ floor median', round(toFloor, 3), '≤', MAX_RATIO_TO_FLOOR),
      budget('median ÷ naive median', round(toNaive, 3), '≤', MAX_RATIO_TO_NAIVE),
    ],
  };
}

/** Everything behind a row, for the JSON. */
function describe(group: readonly Variant[]) {
  return Object.fromEntries(
    group.map((variant) => [
      variant.kind,
      {
        entryBytes: variant.size.entryBytes,
        totalBytes: variant.size.totalBytes,
        callsOnFirstInvocation: variant.calls,
        medianMs: round(median(variant.totalMs), 2),
        p90Ms: round(percentile(variant.totalMs, 90), 2),
        loadMedianMs: round(median(variant.loadMs), 2),
        firstInvocationMedianMs: round(median(variant.firstInvocationMs), 2),
        totalMs: variant.totalMs.map((value) => round(value, 2)),
      },
    ]),
  );
}
