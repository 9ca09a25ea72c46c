import { join } from 'node:path';
import { defaultFixture } from '../../infra/local/default-fixture';
import { type Benchmark, budget } from '../benchmark';
import { type BusEvent, terminalEvents, terminalKey } from '../burst/terminal-events';
import { round } from '../stats';
import { startLocalCloudProcess, watchTreeMemory } from './local-cloud-process';

/** Requests sent at once; quick mode sends fewer so that the bench stays short. */
const REQUESTS = { quick: 200, full: 1_000 } as const;
const BUDGET_MIB = 1024;
const SAMPLE_MS = 100;
const POLL_MS = 500;
const SETTLE_TIMEOUT_MS = { quick: 120_000, full: 300_000 } as const;

/**
 * 6a. `npm start` (its own process tree, measured by what the kernel reports) answering a burst
 * of AMI requests all sent at once, each naming 1 to 3 of the default fixture's running instances
 * (every subset size in turn). Names requested again within a minute collide on the AMI name and
 * end in AmiFailed by design: what counts is that every name of every accepted request ends in
 * exactly one terminal event.
 */
export const localCloudConcurrentRequests: Benchmark = {
  id: 'local-cloud-concurrent',
  title: '6a. Local cloud: 1,000 concurrent AMI requests',
  async run(context) {
    const requests = REQUESTS[context.mode];
    const fixtureNames = runningNames();
    const cloud = await startLocalCloudProcess({
      node: context.node,
      projectRoot: context.projectRoot,
      stateDir: join(context.workDir, 'local-cloud-concurrent'),
      args: ['--reset', '--no-throttling', '--bake-seconds', '1', '--poll-seconds', '0.2'],
      timeoutMs: 300_000,
    });
    const pid = cloud.child.pid ?? 0;
    const memory = watchTreeMemory(pid, SAMPLE_MS);
    try {
      const bodies = Array.from({ length: requests }, (_, index) => {
        const size = 1 + (index % Math.min(3, fixtureNames.length));
        const names = Array.from(
          { length: size },
          (_, k) => fixtureNames[(index + k) % fixtureNames.length] as string,
        );
        return {
          request_id: `concurrent-${String(index).padStart(5, '0')}`,
          instance_name_list: names,
        };
      });
      context.log(
        `local cloud: ${requests} concurrent requests (${bodies.reduce((n, b) => n + b.instance_name_list.length, 0)} names)`,
      );
      const started = performance.now();
      const statuses = await Promise.all(
        bodies.map(async (body) => {
          try {
            const response = await fetch(cloud.createAmiUrl, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(body),
            });
            await response.arrayBuffer();
            return response.status;
          } catch {
            return 0;
          }
        }),
      );
      const accepted = bodies.filter((_, index) => statuses[index] === 202);
      const expected = accepted.flatMap((body) =>
        body.instance_name_list.map((name) => terminalKey(body.request_id, name)),
      );
      context.log(
        `local cloud: ${accepted.length} accepted, waiting for ${expected.length} terminal events`,
      );
      const deadline = performance.now() + SETTLE_TIMEOUT_MS[context.mode];
      let terminal = new Map<string, string[]>();
      for (;;) {
        let events: BusEvent[];
        try {
          events = (await (await fetch(`${cloud.awsEndpoint}/_local/events`)).json()) as BusEvent[];
        } catch (error) {
          throw new Error(
            `the local cloud stopped answering (${(error as Error).message}); answers ${JSON.stringify(countBy(statuses.map(String)))}; its last output:\n${cloud.output().slice(-3000)}`,
          );
        }
        terminal = terminalEvents(events);
        if (expected.every((key) => terminal.has(key)) || performance.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      const settledSeconds = (performance.now() - started) / 1000;
      const measured = memory.finish();
      const lost = expected.filter((key) => !terminal.has(key));
      const duplicated = expected.filter((key) => (terminal.get(key)?.length ?? 0) > 1);
      const failed = expected.filter((key) => terminal.get(key)?.[0] === 'AmiFailed').length;
      const peakMiB = measured.summedHwmKiB / 1024;
      return {
        columns: [
          { key: 'requests', label: 'requests' },
          { key: 'accepted', label: '202' },
          { key: 'names', label: 'names' },
          { key: 'lost', label: 'lost' },
          { key: 'duplicated', label: 'duplicated' },
          { key: 'failed', label: 'AmiFailed' },
          { key: 'seconds', label: 'settled s', digits: 1 },
          { key: 'peak', label: 'peak RSS MiB', digits: 0 },
          { key: 'sampled', label: 'sampled MiB', digits: 0 },
        ],
        rows: [
          {
            subject: `${requests} requests at once`,
            figures: {
              requests,
              accepted: accepted.length,
              names: expected.length,
              lost: lost.length,
              duplicated: duplicated.length,
              failed,
              seconds: round(settledSeconds, 1),
              peak: round(peakMiB, 0),
              sampled: round(measured.peakSampledKiB / 1024, 0),
            },
            budgets: [
              budget('peak RSS MiB', round(peakMiB, 0), '≤', BUDGET_MIB),
              budget('requests accepted (202)', accepted.length, '≥', requests),
              budget('names lost', lost.length, '≤', 0),
              budget('names duplicated', duplicated.length, '≤', 0),
            ],
          },
        ],
        notes: [
          `${context.mode === 'quick' ? `Quick mode: ${REQUESTS.quick} requests, not the ${REQUESTS.full} of full mode.` : `${REQUESTS.full} requests.`} All sent at once, each naming 1 to ${Math.min(3, fixtureNames.length)} of the default fixture's running instances (${fixtureNames.join(', ')}), sizes in turn; \`npm start --reset --no-throttling --bake-seconds 1 --poll-seconds 0.2\`. Same names within a minute collide on the AMI name and end in AmiFailed by design.`,
          `peak RSS: the sum of VmHWM over the process tree (${measured.processes} processes: the local cloud, run as \`npm start\` runs it, whose functions run in worker threads), an upper bound; sampled: the largest sum of VmRSS seen every ${SAMPLE_MS} ms. Answers: ${JSON.stringify(countBy(statuses.map(String)))}.`,
          ...lost.slice(0, 5).map((key) => `lost: ${key}`),
        ],
        details: { hwmByPid: measured.hwmByPid, lost, duplicated },
      };
    } finally {
      memory.finish();
      await cloud.stop();
    }
  },
};

function runningNames(): string[] {
  const names = defaultFixture(new Date())
    .instances?.filter((instance) => (instance.state ?? 'running') === 'running')
    .map((instance) => instance.name)
    .filter((name): name is string => typeof name === 'string');
  return [...new Set(names)];
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
