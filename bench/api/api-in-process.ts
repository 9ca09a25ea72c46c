import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Benchmark } from '../benchmark';
import { runNode } from '../child-process';
import { buildChildScript } from '../child-script';
import { firstEvent } from '../first-events';
import type { Invocation } from '../invocation';
import { lambdaContextFields, lambdaEnvironment } from '../lambda-sandbox';
import { startLocalAws } from '../local-aws';
import { round } from '../stats';
import type { LoadResult } from './load-result';

const REQUESTS = { quick: 2_000, full: 20_000 } as const;
const WARM_UP = { quick: 200, full: 1_000 } as const;
const RUN_TIMEOUT_MS = 10 * 60_000;

/**
 * 4a. The api function's bundle, as CDK builds it, loaded once in a process with its template
 * environment and invoked back to back with the seed's `POST /prod/create-ami`; each request
 * publishes through the unchanged EventBridge client over real HTTP (serialisation and SigV4
 * signing included) to a loopback endpoint in the bench process. The handler's logs and metrics
 * go to /dev/null, as cheap as Lambda's log pipeline gets.
 */
export const apiInProcess: Benchmark = {
  id: 'api-in-process',
  title: '4a. API handler in process (bus answered on loopback)',
  async run(context) {
    const app = await context.synth();
    const fn = app.functions.find((candidate) => candidate.service === 'api');
    if (fn === undefined) throw new Error('the synthesized app has no api function');
    const dir = join(context.workDir, 'api-in-process');
    await mkdir(dir, { recursive: true });
    const runner = join(dir, 'load-runner.mjs');
    await buildChildScript(join(import.meta.dirname, 'load-runner.ts'), runner);
    const invocation: Invocation = {
      entryFile: fn.entryFile,
      handlerExport: fn.handlerExport,
      event: firstEvent('api'),
      context: lambdaContextFields(fn),
    };
    const invocationFile = join(dir, 'invocation.json');
    const resultFile = join(dir, 'result.json');
    await writeFile(invocationFile, JSON.stringify(invocation));

    const aws = await startLocalAws();
    try {
      const requests = REQUESTS[context.mode];
      const warmUp = WARM_UP[context.mode];
      context.log(`api in process: ${warmUp} warm-up + ${requests} requests`);
      await runNode(
        context.node,
        [runner, invocationFile, resultFile, String(warmUp), String(requests)],
        {
          env: lambdaEnvironment(fn, { endpointUrl: aws.url, taskRoot: fn.assetDir, home: dir }),
          timeoutMs: RUN_TIMEOUT_MS,
          discardStdout: true,
        },
      );
      const putEvents = aws.takeCalls().filter((call) => call === 'AWSEvents.PutEvents').length;
      const result = JSON.parse(await readFile(resultFile, 'utf8')) as LoadResult;
      if (result.errors > 0) {
        throw new Error(
          `${result.errors} of ${result.requests} requests failed: ${result.firstError}`,
        );
      }
      return {
        columns: [
          { key: 'requests', label: 'requests' },
          { key: 'rps', label: 'req/s', digits: 0 },
          { key: 'p50', label: 'p50 ms', digits: 2 },
          { key: 'p90', label: 'p90 ms', digits: 2 },
          { key: 'p99', label: 'p99 ms', digits: 2 },
          { key: 'max', label: 'max ms', digits: 1 },
          { key: 'putEvents', label: 'PutEvents' },
          { key: 'rssMiB', label: 'RSS MiB', digits: 0 },
        ],
        rows: [
          {
            subject: 'api (seed body, 2 names)',
            figures: {
              requests: result.requests,
              rps: round(result.requests / result.seconds, 0),
              p50: result.latencyMs.p50,
              p90: result.latencyMs.p90,
              p99: result.latencyMs.p99,
              max: result.latencyMs.max,
              putEvents,
              rssMiB: result.rssMiB,
            },
            budgets: [],
          },
        ],
        notes: [
          `One request at a time (a Lambda instance's concurrency), after ${warmUp} unmeasured warm-up requests; no budget in the issue.`,
          'PutEvents counts the calls the loopback bus answered, warm-up included: one per request.',
        ],
        details: result,
      };
    } finally {
      await aws.close();
    }
  },
};
