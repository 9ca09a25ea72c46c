// Runs in its own Node.js process, as the janitor's Lambda function would: the unchanged handler
// (createHandler with the config parsed from this environment and the SDK's real clients, which
// reach the bench's local EC2, DynamoDB and bus through AWS_ENDPOINT_URL) invoked as a purge
// run's state machine invokes it: begin, one batch after another until the run is done, end;
// each invocation under a fake Lambda context with a short time budget.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  EventBridgeClient,
  type PutEventsRequestEntry,
  type PutEventsResponse,
} from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { AmiPurgedV1Detail } from '../../events/ami-purged.v1';
import { parseJanitorConfig } from '../../services/janitor/config';
import { createHandler } from '../../services/janitor/create-handler';
import { createReferenceCheck } from '../../services/janitor/find-image-references';
import { PURGE_STEP_KEY, type RunState } from '../../services/janitor/purge-run-state';
import { systemTimer } from '../../services/janitor/token-bucket';
import { systemClock } from '../../services/shared/clock';
import { createObservability } from '../../services/shared/observability';
import { peakRssMiB } from '../peak-rss';
import { round } from '../stats';
import type { InvocationRecord, PurgeRunRecord } from './purge-result';

const [budgetText, maxInvocationsText, resultFile] = process.argv.slice(2);
if (resultFile === undefined) {
  throw new Error('usage: purge-driver <budget ms> <max invocations> <result.json>');
}
const budgetMs = Number(budgetText);
const maxInvocations = Number(maxInvocationsText);

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
const config = parseJanitorConfig(process.env);
const ec2 = new EC2Client({ maxAttempts: 10 });
const ssm = new SSMClient({});
const handler = createHandler({
  ec2,
  ec2Deregister: new EC2Client({ maxAttempts: 1 }),
  dynamodb: new DynamoDBClient({ maxAttempts: 10 }),
  eventBridge,
  sfn: new SFNClient({}),
  referenceCheck: () => createReferenceCheck({ ec2, ssm, config, clock: systemClock, logger }),
  config,
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
const context = () => {
  const startedAt = epochNow();
  return {
    awsRequestId: randomUUID(),
    getRemainingTimeInMillis: () => budgetMs - (epochNow() - startedAt),
  };
};
const runId = `bench-sweep-${randomUUID().slice(0, 8)}`;
const step = (body: Record<string, unknown>) => handler({ [PURGE_STEP_KEY]: body }, context());
const invocations: InvocationRecord[] = [];
const begun = (await step({
  step: 'begin',
  runId,
  startedAt: new Date().toISOString(),
  request: { trigger: 'schedule', requestId: runId },
})) as { run: RunState };
let run = begun.run;
while (invocations.length < maxInvocations) {
  const startedAt = epochNow();
  try {
    const result = (await step({ step: 'batch', run })) as {
      run: RunState;
      done: boolean;
      purged: number;
    };
    invocations.push({
      startedAt,
      endedAt: epochNow(),
      result: { purged: result.purged, done: result.done },
    });
    run = result.run;
    if (result.done) break;
  } catch (error) {
    invocations.push({ startedAt, endedAt: epochNow(), error: String(error) });
    break;
  }
}
await step({ step: 'end', runId });
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
  // The kernel's high-water mark: the true peak, not a sample.
  peakRssMiB: round(peakRssMiB()),
  peakHeapMiB: round(Math.max(peakHeap, process.memoryUsage().heapUsed) / 2 ** 20),
};
writeFileSync(resultFile, JSON.stringify(record));
// The SDK's keep-alive sockets would hold the process open; its work is done.
process.exit(0);
