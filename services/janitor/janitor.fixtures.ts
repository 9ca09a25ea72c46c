// Test support: realistic EventBridge events for the janitor's three triggers, a fake clock
// and Lambda context, and a reader for what was published.
import { Logger } from '@aws-lambda-powertools/logger';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { vi } from 'vitest';
import type { AmiPurgeRequestedV1Detail } from '../../events/ami-purge-requested.v1';
import { AmiPurgedV1, type AmiPurgedV1Detail } from '../../events/ami-purged.v1';
import { parseDetail } from '../../events/contract';
import type { JanitorConfig } from './config';
import { createHandler, type JanitorDeps } from './create-handler';
import { NOW } from './ec2-account.fake';
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

export function janitor(
  ec2: EC2Client,
  eventBridge: EventBridgeClient,
  time: FakeTime,
  config: Partial<JanitorConfig> = {},
) {
  const metrics = { addMetric: vi.fn(), publishStoredMetrics: vi.fn() };
  const deps: JanitorDeps = {
    ec2,
    eventBridge,
    config: { ...baseConfig, ...config },
    clock: time.clock,
    timer: time,
    logger: new Logger({ serviceName: 'janitor', logLevel: 'SILENT' }),
    metrics,
  };
  return { handler: createHandler(deps), metrics };
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

export function amiAvailableEvent(instanceName: string, requestId = '01JDEPLOY0000000000000001') {
  return envelope('ami-lifecycle.watcher', 'AmiAvailable', {
    metadata: { schemaVersion: 1, requestId, occurredAt: NOW.toISOString() },
    data: {
      requestId,
      instanceName,
      instanceId: 'i-0123456789abcdef0',
      imageId: 'ami-0123456789abcdef0',
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
