// Runs in its own Node.js process, as the janitor's Lambda function would: the unchanged handler
// (createHandler with the config parsed from this environment and the SDK's real clients, which
// reach the bench's local EC2 and bus through AWS_ENDPOINT_URL) invoked with a Scheduled Event,
// then with every AmiPurgeRequested continuation it publishes, as EventBridge would deliver them,
// each invocation under a fake Lambda context with a short time budget.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  EventBridgeClient,
  type PutEventsRequestEntry,
  type PutEventsResponse,
} from '@aws-sdk/client-eventbridge';
import type { AmiPurgedV1Detail } from '../../events/ami-purged.v1';
import { parseJanitorConfig } from '../../services/janitor/config';
import { createHandler } from '../../services/janitor/create-handler';
import { systemTimer } from '../../services/janitor/token-bucket';
import { systemClock } from '../../services/shared/clock';
import { createObservability } from '../../services/shared/observability';
import { round } from '../stats';
import type { InvocationRecord, PurgeRunRecord } from './purge-result';

const [budgetText, maxInvocationsText, resultFile] = process.argv.slice(2);
if (resultFile === undefined) {
  throw new Error('usage: purge-driver <budget ms> <max invocations> <result.json>');
}
const budgetMs = Number(budgetText);
const maxInvocations = Number(maxInvocationsText);
const region = process.env.AWS_REGION ?? 'us-east-1';
const account = '123456789012';

// What EventBridge accepted, in order: AmiPurged parts and continuations.
const accepted: PutEventsRequestEntry[] = [];
const eventBridge = new EventBridgeClient({});
eventBridge.middlewareStack.add(
  (next, context) => async (args) => {
    const output = await next(args);
    if (context.commandName === 'PutEventsCommand') {
      const response = output.output as PutEventsResponse;
      if ((response.FailedEntryCount ?? 0) === 0) {
        accepted.push(...((args.input as { Entries?: PutEventsRequestEntry[] }).Entries ?? []));
      }
    }
    return output;
  },
  { step: 'initialize', name: 'benchAcceptedEntries' },
);

const { logger, metrics } = createObservability('janitor');
const handler = createHandler({
  ec2: new EC2Client({}),
  eventBridge,
  config: parseJanitorConfig(process.env),
  clock: systemClock,
  timer: systemTimer,
  logger,
  metrics,
});

let peakHeap = 0;
const sampler = setInterval(() => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}, 50);

const epochNow = () => performance.timeOrigin + performance.now();
const invocations: InvocationRecord[] = [];
let event: unknown = envelope('aws.events', 'Scheduled Event', {});
while (event !== undefined && invocations.length < maxInvocations) {
  const seen = accepted.length;
  const startedAt = epochNow();
  const context = {
    awsRequestId: randomUUID(),
    getRemainingTimeInMillis: () => budgetMs - (epochNow() - startedAt),
  };
  try {
    const result = await handler(event, context);
    invocations.push({ startedAt, endedAt: epochNow(), result });
  } catch (error) {
    invocations.push({ startedAt, endedAt: epochNow(), error: String(error) });
    break;
  }
  const continuation = accepted
    .slice(seen)
    .find((entry) => entry.DetailType === 'AmiPurgeRequested');
  event =
    continuation === undefined
      ? undefined
      : envelope(
          continuation.Source ?? '',
          continuation.DetailType ?? '',
          JSON.parse(continuation.Detail ?? '{}'),
        );
}
clearInterval(sampler);

const parts = accepted
  .filter((entry) => entry.DetailType === 'AmiPurged')
  .map((entry) => JSON.parse(entry.Detail ?? '{}') as AmiPurgedV1Detail);
const snapshotResults: Record<string, number> = {};
for (const part of parts) {
  for (const purged of part.data.purged) {
    for (const snapshot of purged.snapshots) {
      const key = snapshot.result ?? 'none';
      snapshotResults[key] = (snapshotResults[key] ?? 0) + 1;
    }
  }
}
const record: PurgeRunRecord = {
  invocations,
  reportedPurged: parts.flatMap((part) => part.data.purged.map((entry) => entry.imageId)),
  reportedFailed: parts.reduce((sum, part) => sum + part.data.failed.length, 0),
  parts: parts.map((part) => part.data.part),
  finalPartSeen: parts.at(-1)?.data.final === true,
  snapshotResults,
  // getrusage's maxrss is in KiB on Linux: the true peak, not a sample.
  peakRssMiB: round(process.resourceUsage().maxRSS / 1024),
  peakHeapMiB: round(Math.max(peakHeap, process.memoryUsage().heapUsed) / 2 ** 20),
};
writeFileSync(resultFile, JSON.stringify(record));
// The SDK's keep-alive sockets would hold the process open; its work is done.
process.exit(0);

/** The envelope EventBridge delivers to a Lambda target. */
function envelope(source: string, detailType: string, detail: unknown) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source,
    account,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources:
      source === 'aws.events'
        ? [`arn:aws:events:${region}:${account}:rule/ami-lifecycle-janitor-schedule`]
        : [],
    detail,
  };
}
