// Runs in a fresh Node.js process with the function's environment: loads one bundle, invokes its
// handler once, and prints the timings as one JSON line on stdout (the handler may log around it).
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { handlerOf, type Invocation, lambdaContext } from '../invocation';
import { formatProbeResult } from './probe-result';

const invocationFile = process.argv[2];
if (invocationFile === undefined) throw new Error('usage: probe <invocation.json>');
const invocation = JSON.parse(readFileSync(invocationFile, 'utf8')) as Invocation;
const context = lambdaContext(invocation);

// Everything before this point is the runtime's business (process start, reading the event).
const started = performance.now();
const module = (await import(pathToFileURL(invocation.entryFile).href)) as Record<string, unknown>;
const loaded = performance.now();
const result = await handlerOf(module, invocation)(invocation.event, context);
const invoked = performance.now();

const statusCode = (result as { statusCode?: unknown } | undefined)?.statusCode;
const line = formatProbeResult({
  bootMs: started,
  loadMs: loaded - started,
  firstInvocationMs: invoked - loaded,
  totalMs: invoked - started,
  statusCode: typeof statusCode === 'number' ? statusCode : null,
});
// Keep-alive sockets of the SDK would hold the process open; its work is done.
process.stdout.write(`\n${line}\n`, () => process.exit(0));
