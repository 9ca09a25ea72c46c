// Runs in a Node.js process with the api function's environment: loads its bundle once, then
// invokes the handler back to back, one request at a time as a Lambda instance does, and writes
// the figures to a file.
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { handlerOf, type Invocation, lambdaContext } from '../invocation';
import { percentile, round } from '../stats';
import type { LoadResult } from './load-result';

const [invocationFile, resultFile, warmUpText, requestsText] = process.argv.slice(2);
if (invocationFile === undefined || resultFile === undefined) {
  throw new Error('usage: load-runner <invocation.json> <result.json> <warm-up> <requests>');
}
const invocation = JSON.parse(readFileSync(invocationFile, 'utf8')) as Invocation;
const module = (await import(pathToFileURL(invocation.entryFile).href)) as Record<string, unknown>;
const handler = handlerOf(module, invocation);
// Lambda hands every invocation a fresh event parsed from the request, and middy's body parser
// replaces the body in place: each invocation gets its own copy.
const eventText = JSON.stringify(invocation.event);

let errors = 0;
let firstError: string | undefined;
const invoke = async (event: unknown): Promise<void> => {
  const context = { ...lambdaContext(invocation), awsRequestId: randomUUID() };
  try {
    const answer = (await handler(event, context)) as {
      statusCode?: number;
      body?: string;
    };
    if (answer?.statusCode !== 202) {
      throw new Error(`answered ${answer?.statusCode}: ${answer?.body?.slice(0, 300)}`);
    }
  } catch (error) {
    errors += 1;
    firstError ??= String(error);
  }
};

// The warm-up is the steady state's business, not the measurement's: cold start is measured apart.
for (let i = 0; i < Number(warmUpText); i += 1) await invoke(JSON.parse(eventText));
errors = 0;
firstError = undefined;

const requests = Number(requestsText);
const latencies: number[] = [];
const started = performance.now();
for (let i = 0; i < requests; i += 1) {
  const event = JSON.parse(eventText);
  const before = performance.now();
  await invoke(event);
  latencies.push(performance.now() - before);
}
const seconds = (performance.now() - started) / 1000;

const result: LoadResult = {
  requests,
  errors,
  ...(firstError === undefined ? {} : { firstError }),
  seconds: round(seconds, 3),
  latencyMs: {
    p50: round(percentile(latencies, 50), 3),
    p90: round(percentile(latencies, 90), 3),
    p99: round(percentile(latencies, 99), 3),
    max: round(Math.max(...latencies), 3),
    mean: round(latencies.reduce((sum, value) => sum + value, 0) / latencies.length, 3),
  },
  rssMiB: round(process.memoryUsage.rss() / 2 ** 20),
};
writeFileSync(resultFile, JSON.stringify(result));
// Keep-alive sockets of the SDK would hold the process open; its work is done.
process.exit(0);
