// Test support: realistic EventBridge events for the janitor's three triggers, a fake clock
// and Lambda context, and a reader for what was published.
import { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, vi } from 'vitest';
import type { AmiPurgeRequestedV1Detail } from '../../events/ami-purge-requested.v1';
import { AmiPurgedV1, type AmiPurgedV1Detail } from '../../events/ami-purged.v1';
import { parseDetail } from '../../events/contract';
import type { JanitorConfig } from './config';
import { createHandler, type JanitorDeps, type JanitorResult } from './create-handler';
import { NOW } from './ec2-account.fake';
import { createReferenceCheck } from './find-image-references';
import { type JournalTable, startJournalTable } from './journal-table.fake';
import { PURGE_STEP_KEY, type PurgeRunRequest, type RunState } from './purge-run-state';
import type { Timer } from './token-bucket';

export const baseConfig: JanitorConfig = {
  eventBusName: 'ami-lifecycle',
  retentionDays: 14,
  keepLatest: 1,
  dryRun: false,
  maxDeletionsPerRun: 50,
  deregisterRatePerSecond: 5,
  deregisterBurst: 100,
  deregisterConcurrency: 4,
  timeBudgetMarginMs: 30_000,
  journalTableName: 'set-by-the-journal-table',
  purgeRunStateMachineArn:
    'arn:aws:states:ap-northeast-2:111122223333:stateMachine:AmiLifecycle-purge-run',
  purgeBatchSize: 2_000,
  launchTemplateVersionDepth: 10_000,
  purgeSharedImages: false,
  ssmParameterPrefix: '/',
};

/** Time that moves only when the janitor waits: pacing and budgets without real sleeping. */
export class FakeTime implements Timer {
  elapsedMs = 0;
  now = (): number => this.elapsedMs;
  sleep = async (ms: number): Promise<void> => {
    this.elapsedMs += ms;
  };
  /** The run's wall clock: NOW plus the elapsed time plus any jump between invocations. */
  wallOffsetMs = 0;
  clock = (): Date => new Date(NOW.getTime() + this.wallOffsetMs + this.elapsedMs);
}

/** A Lambda context whose remaining time runs down with the fake time. */
export function lambdaContext(time: FakeTime, budgetMs = 900_000) {
  const startedAt = time.now();
  return {
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    getRemainingTimeInMillis: () => budgetMs - (time.now() - startedAt),
  };
}

let journalTable: JournalTable | undefined;

/** Starts the journal table (a real DynamoDB implementation) for the test file's janitors. */
export function useJournalTable(): void {
  beforeAll(async () => {
    journalTable = await startJournalTable();
  });
  beforeEach(async () => {
    await journalTable?.fresh();
  });
  afterAll(async () => {
    await journalTable?.stop();
    journalTable = undefined;
  });
}

export interface RunOptions {
  /** Each invocation's time budget; a small one splits the run into many batches. */
  readonly budgetMs?: number;
  /** Runs between the start and each batch, e.g. to change the account mid-run. */
  readonly beforeBatch?: (batch: number) => void | Promise<void>;
}

/** The state machine's Retry on a failed batch: the same input, this many attempts in all. */
const BATCH_ATTEMPTS = 8;

/** What a whole run did, added up over its batches. */
export interface RunOutcome {
  readonly runId: string;
  readonly started: boolean;
  readonly dryRun: boolean;
  readonly batches: number;
  readonly purged: number;
}

/**
 * A janitor with fake clients, and `run(event)`, which plays the purge run's state machine in
 * process: the trigger starts an execution (captured), then begin, every batch until done, end.
 */
export function janitor(
  ec2: EC2Client,
  eventBridge: EventBridgeClient,
  time: FakeTime,
  config: Partial<JanitorConfig> = {},
  { dynamodb }: { dynamodb?: DynamoDBClient } = {},
) {
  if (journalTable === undefined) throw new Error('call useJournalTable() in the test file');
  const table = journalTable;
  const metrics = { addMetric: vi.fn(), publishStoredMetrics: vi.fn() };
  const sfn = new SFNClient({ region: 'ap-northeast-2' });
  const executions = new Map<string, PurgeRunRequest>();
  mockClient(sfn)
    .on(StartExecutionCommand)
    .callsFake((input) => {
      if (executions.has(input.name)) {
        throw Object.assign(new Error(`Execution ${input.name} exists`), {
          name: 'ExecutionAlreadyExists',
        });
      }
      executions.set(input.name, JSON.parse(input.input));
      return { executionArn: `arn:execution:${input.name}`, startDate: time.clock() };
    });
  const logger = new Logger({ serviceName: 'janitor', logLevel: 'SILENT' });
  const resolved: JanitorConfig = { ...baseConfig, journalTableName: table.tableName, ...config };
  const ssm = new SSMClient({ region: 'ap-northeast-2' });
  // The fallback's parameter store: empty (the EC2 fake answers references to parameters).
  mockClient(ssm).on(GetParametersByPathCommand).resolves({ Parameters: [] });
  const deps: JanitorDeps = {
    ec2,
    ec2Deregister: ec2,
    dynamodb: dynamodb ?? table.dynamodb,
    eventBridge,
    sfn,
    referenceCheck: () =>
      createReferenceCheck({ ec2, ssm, config: resolved, clock: time.clock, logger }),
    config: resolved,
    clock: time.clock,
    timer: time,
    logger,
    metrics,
  };
  const handler = createHandler(deps);

  async function run(event: unknown, options: RunOptions = {}): Promise<RunOutcome> {
    const context = () => lambdaContext(time, options.budgetMs);
    const started = (await handler(event, context())) as { runId: string; started: boolean };
    const request = executions.get(started.runId);
    if (!started.started || request === undefined) {
      return { runId: started.runId, started: false, dryRun: false, batches: 0, purged: 0 };
    }
    const step = (body: Record<string, unknown>) => handler({ [PURGE_STEP_KEY]: body }, context());
    const begun = (await step({
      step: 'begin',
      runId: started.runId,
      startedAt: time.clock().toISOString(),
      request,
    })) as { run: RunState };
    let state = begun.run;
    let purged = 0;
    for (let batch = 1; ; batch++) {
      await options.beforeBatch?.(batch);
      const result = (await retried(() => step({ step: 'batch', run: state }))) as JanitorResult & {
        run: RunState;
        done: boolean;
        purged: number;
      };
      purged += result.purged;
      state = result.run;
      if (result.done) {
        await step({ step: 'end', runId: started.runId });
        return {
          runId: started.runId,
          started: true,
          dryRun: state.dryRun,
          batches: batch,
          purged,
        };
      }
    }
  }

  async function retried<Result>(attempt: () => Promise<Result>): Promise<Result> {
    for (let attempts = 1; ; attempts++) {
      try {
        return await attempt();
      } catch (error) {
        failedAttempts.push(error);
        if (attempts >= BATCH_ATTEMPTS) throw error;
      }
    }
  }
  /** Errors of batch attempts the state machine retried. */
  const failedAttempts: unknown[] = [];

  return { handler, run, metrics, executions, failedAttempts, journal: table };
}

export const clients = () => ({
  ec2: new EC2Client({ region: 'ap-northeast-2' }),
  eventBridge: new EventBridgeClient({ region: 'ap-northeast-2' }),
});

function envelope<Detail>(
  source: string,
  detailType: string,
  detail: Detail,
  time = NOW.toISOString(),
) {
  return {
    version: '0',
    id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
    'detail-type': detailType,
    source,
    account: '111122223333',
    time,
    region: 'ap-northeast-2',
    resources: [],
    detail,
  };
}

export function amiAvailableEvent(
  instanceName: string,
  requestId = '01JDEPLOY0000000000000001',
  imageId = 'ami-0123456789abcdef0',
) {
  return envelope('ami-lifecycle.watcher', 'AmiAvailable', {
    metadata: { schemaVersion: 1, requestId, occurredAt: NOW.toISOString() },
    data: {
      requestId,
      instanceName,
      instanceId: 'i-0123456789abcdef0',
      imageId,
      imageName: `${instanceName}-Deploy-2025-06-20_02_55`,
      snapshotIds: ['snap-0123456789abcdef0'],
      availableAt: NOW.toISOString(),
    },
  });
}

export function scheduledEvent() {
  return {
    version: '0',
    id: '89d1a02d-5ec7-412e-82f5-13505f849b41',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '111122223333',
    time: '2025-06-20T03:00:00Z',
    region: 'ap-northeast-2',
    resources: ['arn:aws:events:ap-northeast-2:111122223333:rule/ami-lifecycle-daily-purge'],
    detail: {},
  };
}

export function purgeRequestedEvent(
  data: AmiPurgeRequestedV1Detail['data'],
  requestId = 'manual-purge-1',
  source = 'ops.cli',
) {
  return envelope(source, 'AmiPurgeRequested', { metadata: { schemaVersion: 1, requestId }, data });
}

/** Turns a published PutEvents entry back into the event EventBridge would deliver. */
export function delivered(entry: PublishedEntry) {
  return envelope(entry.source, entry.detailType, entry.detail);
}

export interface PublishedEntry {
  readonly source: string;
  readonly detailType: string;
  readonly detail: unknown;
  readonly bytes: number;
}

export function publishedEntries(eventBridge: AwsClientStub<EventBridgeClient>): PublishedEntry[] {
  return eventBridge.commandCalls(PutEventsCommand).flatMap((call) =>
    (call.args[0].input.Entries ?? []).map((entry) => ({
      source: entry.Source ?? '',
      detailType: entry.DetailType ?? '',
      detail: JSON.parse(entry.Detail ?? 'null'),
      bytes: Buffer.byteLength(entry.Detail ?? ''),
    })),
  );
}

export function purgedParts(eventBridge: AwsClientStub<EventBridgeClient>): AmiPurgedV1Detail[] {
  return publishedEntries(eventBridge)
    .filter((entry) => entry.detailType === 'AmiPurged')
    .map((entry) => parseDetail(AmiPurgedV1, entry.detail));
}

export function acceptAllEvents(eventBridge: AwsClientStub<EventBridgeClient>): void {
  eventBridge.on(PutEventsCommand).callsFake((input) => ({
    FailedEntryCount: 0,
    Entries: (input.Entries ?? []).map((_: unknown, index: number) => ({
      EventId: `event-${index}`,
    })),
  }));
}
