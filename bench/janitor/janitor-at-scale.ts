import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startLocalDynamoDb } from '../../infra/local/dynamodb/local-dynamodb';
import { createEc2Service } from '../../infra/local/ec2';
import { startLocalEndpoint } from '../../infra/local/endpoint';
import { JOURNAL_KEYS } from '../../services/janitor/deletion-journal';
import { type Benchmark, budget } from '../benchmark';
import { runNode } from '../child-process';
import { buildChildScript } from '../child-script';
import { round } from '../stats';
import { busStub } from './bus-stub';
import { janitorFixture, SCALE } from './fixture';
import { checkPurge } from './purge-check';
import type { PurgeRunRecord } from './purge-result';
import { recordedEc2 } from './recorded-ec2';

/** EC2's DeregisterImage bucket on AWS: 100 tokens, 5 a second. */
const DEREGISTER_CAPACITY = 100;
const DEREGISTER_REFILL_PER_SECOND = 5;
/**
 * Per mode: how many times faster than AWS every EC2 bucket refills, and one invocation's time
 * budget. The budget is what splits the run into batches (six in a quick run on an idle machine).
 */
const SETTINGS = {
  quick: { rateScale: 100, invocationBudgetMs: 12_000 },
  full: { rateScale: 20, invocationBudgetMs: 30_000 },
} as const;
/** The smallest margin the janitor accepts; at these rates it still leaves calls time to finish. */
const TIME_BUDGET_MARGIN_MS = 1_000;
const MAX_INVOCATIONS = 50;
const EVENT_BUS_NAME = 'ami-lifecycle';
const RUN_TIMEOUT_MS = 10 * 60_000;
/** The purge journal, as the stack defines it. */
const JOURNAL_TABLE = {
  logicalId: 'Journal',
  name: 'purge-journal',
  partitionKey: { name: JOURNAL_KEYS.partition, type: 'S' },
  sortKey: { name: JOURNAL_KEYS.sort, type: 'S' },
  globalSecondaryIndexes: [],
} as const;

/**
 * 2. The janitor's unchanged handler, in its own process, sweeping an account of 12,600 images
 * on the local EC2 (served over HTTP, throttling on, every bucket refilling `rateScale` times
 * faster than AWS's) until the run ends, one invocation after another.
 */
export const janitorAtScale: Benchmark = {
  id: 'janitor-at-scale',
  title: '2. Janitor at scale (local EC2, throttled, across invocations)',
  async run(context) {
    const { rateScale, invocationBudgetMs } = SETTINGS[context.mode];
    const refillPerSecond = DEREGISTER_REFILL_PER_SECOND * rateScale;
    const dir = join(context.workDir, 'janitor-at-scale');
    await mkdir(dir, { recursive: true });
    const driver = join(dir, 'purge-driver.mjs');
    await buildChildScript(join(import.meta.dirname, 'purge-driver.ts'), driver);

    const world = janitorFixture(Date.now());
    // Only refill rates are scaled: the run is AWS's with the clock sped up, bucket sizes as on AWS.
    const ec2 = createEc2Service({ throttling: { rateScale } });
    const seedStarted = performance.now();
    ec2.seed(world.fixture);
    const seedMs = performance.now() - seedStarted;
    const before = ec2.snapshotState();
    const ec2Recorded = recordedEc2(ec2);
    const bus = busStub();
    const journal = await startLocalDynamoDb({ region: ec2.region, tables: [JOURNAL_TABLE] });
    const endpoint = await startLocalEndpoint({
      port: 0,
      services: { ec2: ec2Recorded, events: bus, dynamodb: journal.service },
    });
    const resultFile = join(dir, 'result.json');
    context.log(
      `janitor at scale: ${world.expectedPurged.size} to purge of ${before.images.length} images, ` +
        `DeregisterImage ${DEREGISTER_CAPACITY} + ${refillPerSecond}/s, ${invocationBudgetMs} ms per invocation`,
    );
    try {
      await runNode(
        context.node,
        [driver, String(invocationBudgetMs), String(MAX_INVOCATIONS), resultFile],
        {
          env: {
            AWS_REGION: ec2.region,
            AWS_ACCESS_KEY_ID: 'local',
            AWS_SECRET_ACCESS_KEY: 'local',
            AWS_ENDPOINT_URL: endpoint.url,
            AWS_EC2_METADATA_DISABLED: 'true',
            HOME: dir,
            EVENT_BUS_NAME,
            JOURNAL_TABLE_NAME: JOURNAL_TABLE.name,
            PURGE_RUN_STATE_MACHINE_ARN: `arn:aws:states:${ec2.region}:${ec2.accountId}:stateMachine:purge-run`,
            RETENTION_DAYS: String(world.retentionDays),
            KEEP_LATEST: '1',
            DRY_RUN: 'false',
            MAX_DELETIONS_PER_RUN: String(2 * world.expectedPurged.size),
            DEREGISTER_RATE_PER_SECOND: String(refillPerSecond),
            DEREGISTER_BURST: String(DEREGISTER_CAPACITY),
            TIME_BUDGET_MARGIN_MS: String(TIME_BUDGET_MARGIN_MS),
          },
          timeoutMs: RUN_TIMEOUT_MS,
          discardStdout: true,
        },
      );
    } finally {
      await endpoint.close();
      await journal.close();
    }
    const run = JSON.parse(await readFile(resultFile, 'utf8')) as PurgeRunRecord;
    const check = checkPurge({
      world,
      before,
      after: ec2.snapshotState(),
      stats: ec2.stats(),
      deregisterCalls: ec2Recorded.deregisterCalls,
      bus: bus.counts(),
      run,
      maxInvocations: MAX_INVOCATIONS,
      deregisterBucket: { capacity: DEREGISTER_CAPACITY, refillPerSecond },
    });

    return {
      columns: [
        { key: 'deregistered', label: 'deregistered' },
        { key: 'seconds', label: 's', digits: 1 },
        { key: 'perSecond', label: 'per s', digits: 0 },
        { key: 'ofAllowed', label: 'of allowed', digits: 3 },
        { key: 'describePer1k', label: 'Describe/1k', digits: 1 },
        { key: 'throttled', label: 'throttled' },
        { key: 'errors', label: 'errors' },
        { key: 'wrong', label: 'wrong set' },
        { key: 'skippedOrRepeated', label: 'skip/repeat' },
        { key: 'invocations', label: 'invocations' },
        { key: 'peakRssMiB', label: 'peak RSS MiB', digits: 0 },
        { key: 'seedMs', label: 'seed ms', digits: 0 },
      ],
      rows: [
        {
          subject: `sweep, refill ×${rateScale}`,
          figures: {
            deregistered: check.deregistered,
            seconds: round(check.elapsedSeconds, 1),
            perSecond: round(check.deregistered / check.elapsedSeconds, 0),
            ofAllowed: round(check.ofAllowed, 3),
            describePer1k: round(check.describePer1k, 1),
            throttled: check.throttled,
            errors: check.errors.length,
            wrong: check.wrongSet.length,
            skippedOrRepeated: check.skippedOrRepeated.length,
            invocations: run.invocations.length,
            peakRssMiB: run.peakRssMiB,
            seedMs: round(seedMs, 0),
          },
          budgets: [
            budget('deregistered / allowed', round(check.ofAllowed, 3), '≥', 0.9),
            // Each deletion is checked right before it is made: one DescribeImageReferences per
            // 10 images and one DescribeImageAttribute (sharing) per image, plus the listing.
            budget('Describe calls per 1,000 images', round(check.describePer1k, 1), '≤', 1_150),
            budget('errors', check.errors.length, '≤', 0),
            budget('images wrongly deleted or kept', check.wrongSet.length, '≤', 0),
            budget('images skipped or repeated', check.skippedOrRepeated.length, '≤', 0),
            budget('invocations', run.invocations.length, '≥', 2),
          ],
        },
      ],
      notes: [
        `Account: ${SCALE.names} names × (${SCALE.expiredPerName} expired + ${SCALE.recentPerName} recent + ${SCALE.inUsePerName} expired in use) deploy images, ${SCALE.foreign} non-deploy images, ${SCALE.snapshotsPerImage} snapshots each. Throttling: AWS's bucket sizes, every refill ×${rateScale}; the janitor paced at DEREGISTER_RATE_PER_SECOND=${refillPerSecond}, DEREGISTER_BURST=${DEREGISTER_CAPACITY}.`,
        `allowed = ${DEREGISTER_CAPACITY} + ${refillPerSecond}/s × (last successful DeregisterImage − first), as the local EC2 received them: the most a full bucket lets through in that time. Between batches (${round(check.gapSeconds, 1)} s in all: each batch lists the account again, which does not speed up with the refill rate) nothing is deregistered; counting each gap as at most a refill to the bucket's capacity, the fraction is ${round(check.ofAllowedWhileDeregistering, 3)}.`,
        `Describe calls (${check.describeCalls}) per 1,000 deregistered images, throttled answers included. Throttled answers by action: ${JSON.stringify(check.throttledByAction)}.`,
        `Invocation budget ${invocationBudgetMs} ms (margin ${TIME_BUDGET_MARGIN_MS} ms); peak RSS is the janitor process's own high-water mark (VmHWM) (heap ${run.peakHeapMiB} MiB).`,
        ...check.errors.slice(0, 5).map((error) => `error: ${error}`),
        ...check.wrongSet.slice(0, 5).map((wrong) => `wrong: ${wrong}`),
        ...check.skippedOrRepeated.slice(0, 5).map((image) => `skipped or repeated: ${image}`),
      ],
      details: {
        rateScale,
        invocationBudgetMs,
        ec2Stats: ec2.stats(),
        bus: bus.counts(),
        snapshotResults: run.snapshotResults,
        invocations: run.invocations,
        gapsSeconds: check.gapsSeconds,
        peakHeapMiB: run.peakHeapMiB,
      },
    };
  },
};
