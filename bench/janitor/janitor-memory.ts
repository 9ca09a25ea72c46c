import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createEc2Service } from '../../infra/local/ec2';
import { startLocalEndpoint } from '../../infra/local/endpoint';
import { type Benchmark, budget } from '../benchmark';
import { runNode } from '../child-process';
import { buildChildScript } from '../child-script';
import type { MemoryRunRecord } from './memory-driver';
import { memoryFixture } from './memory-fixture';

/**
 * Per mode: the account's images and the retention. Every batch lists the whole account again,
 * so the full mode keeps the run at two batches with a long retention (about 18 % of 100,000
 * images expired); quick mode lists a fifth of the images, 98 % of them expired.
 */
const SETTINGS = {
  quick: { images: 20_000, retentionDays: 14 },
  full: { images: 100_000, retentionDays: 600 },
} as const;
/** PURGE_BATCH_SIZE's largest value: the most candidates one batch may hold. */
const BATCH_SIZE = 10_000;
const KEEP_LATEST = 1;
/** The function has 512 MB; a batch must leave room for the usage checks and deregistrations. */
const PEAK_RSS_BUDGET_MIB = 160;
const RUN_TIMEOUT_MS = 15 * 60_000;
/**
 * Node.js sizes V8's heap from the memory it may use: in a 512 MB function that is an old
 * generation of a quarter of it and small semi-spaces, where on a bench machine with gigabytes
 * the collector would let garbage grow far beyond what the function could hold.
 */
const LAMBDA_HEAP_FLAGS = ['--max-old-space-size=128', '--max-semi-space-size=1'];

/**
 * 5. The janitor's memory: a process lists every Deploy image of a large account through the
 * SDK (DescribeImages pages of 1,000 over HTTP from the local EC2) and selects batches with
 * `selectBatch` until the run is exhausted; its peak RSS must stay far below the function's
 * 512 MB, whatever the number of images.
 */
export const janitorMemory: Benchmark = {
  id: 'janitor-memory',
  title: '5. Janitor memory (Deploy images listed as a stream, batch after batch)',
  async run(context) {
    const { images, retentionDays } = SETTINGS[context.mode];
    const dir = join(context.workDir, 'janitor-memory');
    await mkdir(dir, { recursive: true });
    const driver = join(dir, 'memory-driver.mjs');
    await buildChildScript(join(import.meta.dirname, 'memory-driver.ts'), driver);

    const nowMs = Date.now();
    const world = memoryFixture(images, retentionDays, nowMs);
    // Memory, not pacing, is measured: AWS's DescribeImages bucket would only add waiting.
    const ec2 = createEc2Service({ throttling: false });
    ec2.seed(world.fixture);
    const endpoint = await startLocalEndpoint({ port: 0, services: { ec2 } });
    const resultFile = join(dir, 'result.json');
    context.log(
      `janitor memory: ${images} Deploy images over ${world.names} names, ${world.expectedCandidates} expired, batches of ${BATCH_SIZE}`,
    );
    try {
      await runNode(
        context.node,
        [
          ...LAMBDA_HEAP_FLAGS,
          driver,
          String(nowMs),
          String(retentionDays),
          String(KEEP_LATEST),
          String(BATCH_SIZE),
          resultFile,
        ],
        {
          env: {
            AWS_REGION: ec2.region,
            AWS_ACCESS_KEY_ID: 'local',
            AWS_SECRET_ACCESS_KEY: 'local',
            AWS_ENDPOINT_URL: endpoint.url,
            AWS_EC2_METADATA_DISABLED: 'true',
            HOME: dir,
          },
          timeoutMs: RUN_TIMEOUT_MS,
        },
      );
    } finally {
      await endpoint.close();
    }
    const run = JSON.parse(await readFile(resultFile, 'utf8')) as MemoryRunRecord;
    const wrong =
      Math.abs(run.candidates - world.expectedCandidates) +
      run.outOfOrder +
      (run.digest === world.expectedDigest ? 0 : 1);
    const expectedBatches = Math.max(1, Math.ceil(world.expectedCandidates / BATCH_SIZE));

    return {
      columns: [
        { key: 'images', label: 'images' },
        { key: 'candidates', label: 'candidates' },
        { key: 'batches', label: 'batches' },
        { key: 'pages', label: 'pages' },
        { key: 'wrong', label: 'wrong' },
        { key: 'seconds', label: 's', digits: 1 },
        { key: 'peakHeapMiB', label: 'peak heap MiB', digits: 0 },
        { key: 'peakRssMiB', label: 'peak RSS MiB', digits: 0 },
      ],
      rows: [
        {
          subject: `${images} images, batch ${BATCH_SIZE}`,
          figures: {
            images: run.imagesListed / run.batches,
            candidates: run.candidates,
            batches: run.batches,
            pages: run.pages,
            wrong,
            seconds: run.seconds,
            peakHeapMiB: run.peakHeapMiB,
            peakRssMiB: run.peakRssMiB,
          },
          budgets: [
            budget('peak RSS MiB', run.peakRssMiB, '≤', PEAK_RSS_BUDGET_MIB),
            budget('candidates missed, repeated or out of order', wrong, '≤', 0),
            budget('batches', run.batches, '≤', expectedBatches),
          ],
        },
      ],
      notes: [
        `Account: ${images} Deploy images with 2 snapshots each, made over two years by ${world.names} instance names in turn (every name on every page; every 10th image without the provenance tag), ${world.expectedCandidates} older than ${retentionDays} days. Each batch lists the whole account again (${run.pages / run.batches} DescribeImages pages of 1,000 over HTTP through the SDK's EC2Client) and keeps at most ${BATCH_SIZE} candidates (PURGE_BATCH_SIZE's largest value), KEEP_LATEST=${KEEP_LATEST}.`,
        `wrong: candidates missing or extra against the fixture, out of the run's order or repeated, plus 1 if the ids visited differ from the expected ones in order (SHA-256 of the sequence). Kept by reason: ${JSON.stringify(run.keptByReason)}.`,
        `peak RSS is the driver process's own high-water mark (VmHWM, not getrusage's maxrss, which on Linux also counts the bench process the driver was forked from) (Node.js, the SDK bundled unminified, and the run), with V8's heap sized as for 512 MB (${LAMBDA_HEAP_FLAGS.join(' ')}); peak heap is heapUsed sampled at every page and every 50 ms, garbage not yet collected included.`,
        ...(context.mode === 'quick'
          ? [`Quick mode lists ${images} images; the full mode lists ${SETTINGS.full.images}.`]
          : []),
      ],
      details: { ...run, expectedCandidates: world.expectedCandidates },
    };
  },
};
