import { join } from 'node:path';
import { type LocalCloud, startLocalCloud } from '../../infra/local/cloud';
import { type Benchmark, budget } from '../benchmark';
import { percentile, round } from '../stats';
import { type SentRequest, sendBurst } from './send-burst';
import { type BusEvent, terminalEvents, terminalKey } from './terminal-events';

/** Requests in the burst; quick mode sends fewer, to keep the quick run short. */
const REQUESTS = { quick: 100, full: 1_000 } as const;
/** Requests in flight at once: a fleet of pipelines, not one client. */
const CONCURRENCY = 50;
/** The local cloud's AMI bake, and the watcher's 60 s poll scaled to 0.2 s. */
const BAKE_MS = 1_000;
const WAIT_SCALE = 0.2 / 60;
/** How often the bench reads the bus's event log, and how long it waits for the last terminal event. */
const POLL_MS = 250;
const SETTLE_TIMEOUT_MS = { quick: 90_000, full: 300_000 } as const;

/**
 * 4b. A burst through the whole local cloud, the system as the CDK app synthesizes it: every
 * request is a `POST /prod/create-ami` for its own instance name (two requests for one name in the
 * same minute would collide on the AMI name by design), and none may be lost: each accepted
 * request must end in AmiAvailable or AmiFailed for its name, read from the bus's event log over
 * the local inspection API.
 */
export const localCloudBurst: Benchmark = {
  id: 'local-cloud-burst',
  title: '4b. A burst through the local cloud (none lost)',
  async run(context) {
    const requests = REQUESTS[context.mode];
    const instanceNames = Array.from(
      { length: requests },
      (_, index) => `burst-${String(index).padStart(5, '0')}`,
    );
    const cloud = await startLocalCloud({
      apiPort: 0,
      awsPort: 0,
      stateDir: join(context.workDir, 'local-cloud-burst'),
      reset: true,
      fixture: { instances: instanceNames.map((name) => ({ name })) },
      bakeMs: BAKE_MS,
      waitScale: WAIT_SCALE,
      // EC2's CreateImage bucket (50, then 5 a second) would turn most of the burst into
      // throttling failures: the subject here is the event pipeline, benchmark 2 is throttling's.
      throttling: false,
      asyncRetryDelayMs: 200,
      deliveryRetry: { baseDelayMs: 50, maxDelayMs: 500 },
    });
    try {
      context.log(`local cloud burst: ${requests} requests, ${CONCURRENCY} at a time`);
      const started = performance.now();
      const sent = await sendBurst(cloud.createAmiUrl, instanceNames, CONCURRENCY);
      const sentSeconds = (performance.now() - started) / 1000;
      context.log(`local cloud burst: sent in ${round(sentSeconds, 1)} s, waiting for the AMIs`);
      const accepted = sent.filter((request) => request.status === 202);
      const settled = await waitForTerminalEvents(cloud, accepted, SETTLE_TIMEOUT_MS[context.mode]);
      const endToEndSeconds = (settled.at - started) / 1000;
      await cloud.whenIdle();
      const deadLetters = await local<unknown[]>(cloud, 'dead-letters');

      const latencies = sent.map((request) => request.latencyMs);
      const statuses = countBy(sent.map((request) => String(request.status)));
      return {
        columns: [
          { key: 'requests', label: 'requests' },
          { key: 'accepted', label: '202' },
          { key: 'lost', label: 'lost' },
          { key: 'duplicated', label: 'duplicated' },
          { key: 'failed', label: 'AmiFailed' },
          { key: 'rps', label: 'req/s', digits: 0 },
          { key: 'p50', label: 'p50 ms', digits: 1 },
          { key: 'p99', label: 'p99 ms', digits: 1 },
          { key: 'endToEnd', label: 'end to end s', digits: 1 },
          { key: 'deadLetters', label: 'dead letters' },
        ],
        rows: [
          {
            subject: `${requests} requests, ${CONCURRENCY} in flight`,
            figures: {
              requests,
              accepted: accepted.length,
              lost: settled.lost.length,
              duplicated: settled.duplicated.length,
              failed: settled.failed,
              rps: round(requests / sentSeconds, 0),
              p50: round(percentile(latencies, 50), 1),
              p99: round(percentile(latencies, 99), 1),
              endToEnd: round(endToEndSeconds, 1),
              deadLetters: deadLetters.length,
            },
            budgets: [
              budget('requests accepted (202)', accepted.length, '≥', requests),
              budget('requests lost', settled.lost.length, '≤', 0),
              budget('dead letters', deadLetters.length, '≤', 0),
            ],
          },
        ],
        notes: [
          `${context.mode === 'quick' ? `Quick mode sends ${REQUESTS.quick} requests; full mode sends the issue's ${REQUESTS.full}.` : `The issue's ${REQUESTS.full} requests.`} Each names its own running instance (one AMI per request). Bake ${BAKE_MS} ms, watcher poll ${round(WAIT_SCALE * 60, 2)} s, EC2 throttling off.`,
          `lost = an accepted request without AmiAvailable or AmiFailed for its name (read every ${POLL_MS} ms from /_local/events); duplicated = more than one. End to end: first request sent to the last terminal event seen, so up to ${POLL_MS} ms late.`,
          `Latency: from sending the request to reading the whole answer, at the client, with ${CONCURRENCY} in flight; req/s over the sending phase only. Answers: ${JSON.stringify(statuses)}.`,
          ...settled.lost.slice(0, 5).map((key) => `lost: ${key}`),
        ],
        details: {
          statuses,
          sendSeconds: round(sentSeconds, 2),
          latencyMs: {
            p50: round(percentile(latencies, 50), 2),
            p90: round(percentile(latencies, 90), 2),
            p99: round(percentile(latencies, 99), 2),
            max: round(Math.max(...latencies), 2),
          },
          lost: settled.lost,
          duplicated: settled.duplicated,
        },
      };
    } finally {
      await cloud.stop();
    }
  },
};

interface Settled {
  /** When the last terminal event was seen (performance.now()), or when waiting gave up. */
  readonly at: number;
  readonly lost: readonly string[];
  readonly duplicated: readonly string[];
  readonly failed: number;
}

/** Reads the bus's event log until every accepted request has its terminal event, or time is up. */
async function waitForTerminalEvents(
  cloud: LocalCloud,
  accepted: readonly SentRequest[],
  timeoutMs: number,
): Promise<Settled> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const terminal = terminalEvents(await local<BusEvent[]>(cloud, 'events'));
    const at = performance.now();
    const missing = accepted
      .map((request) => terminalKey(request.requestId, request.instanceName))
      .filter((key) => !terminal.has(key));
    if (missing.length === 0 || at > deadline) {
      const types = [...terminal.values()];
      return {
        at,
        lost: missing,
        duplicated: [...terminal].filter(([, found]) => found.length > 1).map(([key]) => key),
        failed: types.filter((found) => found.includes('AmiFailed')).length,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function local<T>(cloud: LocalCloud, path: string): Promise<T> {
  const response = await fetch(`${cloud.awsEndpoint}/_local/${path}`);
  return (await response.json()) as T;
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
