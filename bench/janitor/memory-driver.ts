// Runs in its own Node.js process, as the janitor's Lambda function would: lists the account's
// Deploy images through the SDK's real EC2Client (reaching the bench's local EC2 through
// AWS_ENDPOINT_URL) and selects batches with selectBatch, each resuming after the previous one's
// last candidate, until the run is exhausted. Reports the process's peak memory.
import { writeFileSync } from 'node:fs';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { CandidateKey } from '../../services/janitor/cursor';
import { compareKeys } from '../../services/janitor/cursor';
import type { DeployImage } from '../../services/janitor/deploy-image';
import { listDeployImagePages } from '../../services/janitor/list-deploy-images';
import { selectBatch } from '../../services/janitor/select-batch';
import { peakRssMiB } from '../peak-rss';
import { round } from '../stats';
import { candidateDigest } from './memory-fixture';

export interface MemoryRunRecord {
  readonly batches: number;
  readonly candidates: number;
  /** Candidates not strictly after the previous one in the run's order (repeats included). */
  readonly outOfOrder: number;
  readonly keptByReason: Readonly<Record<string, number>>;
  /** SHA-256 of the candidates' image ids in the order visited. */
  readonly digest: string;
  readonly pages: number;
  readonly imagesListed: number;
  readonly seconds: number;
  /** The whole process's peak resident set size (`VmHWM`, see `peakRssMiB`), in MiB. */
  readonly peakRssMiB: number;
  /** `heapUsed` sampled at every page and every 50 ms, in MiB (garbage not yet collected included). */
  readonly peakHeapMiB: number;
}

const [nowText, retentionText, keepLatestText, batchSizeText, resultFile] = process.argv.slice(2);
if (resultFile === undefined) {
  throw new Error(
    'usage: memory-driver <now ms> <retention days> <keep latest> <batch size> <result.json>',
  );
}

let peakHeap = 0;
const sampleHeap = () => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
};
const sampler = setInterval(sampleHeap, 50);

const ec2 = new EC2Client({});
let pages = 0;
let imagesListed = 0;
/** The listing as the janitor reads it, with the heap sampled at every page. */
async function* sampledPages(): AsyncGenerator<DeployImage[]> {
  for await (const page of listDeployImagePages(ec2)) {
    pages += 1;
    imagesListed += page.length;
    sampleHeap();
    yield page;
  }
}

const started = performance.now();
const digest = candidateDigest();
const keptByReason: Record<string, number> = {};
let candidates = 0;
let outOfOrder = 0;
let batches = 0;
let previous: CandidateKey | undefined;
let after: CandidateKey | undefined;
for (;;) {
  const batch = await selectBatch(sampledPages(), {
    now: new Date(Number(nowText)),
    retentionDays: Number(retentionText),
    keepLatest: Number(keepLatestText),
    batchSize: Number(batchSizeText),
    after,
  });
  batches += 1;
  sampleHeap();
  for (const candidate of batch.candidates) {
    if (previous !== undefined && compareKeys(previous, candidate.key) >= 0) outOfOrder += 1;
    previous = candidate.key;
    candidates += 1;
    digest.add(candidate.image.imageId);
    const reason = candidate.kept?.reason;
    if (reason !== undefined) keptByReason[reason] = (keptByReason[reason] ?? 0) + 1;
  }
  if (batch.exhausted || batch.candidates.length === 0) break;
  after = batch.candidates.at(-1)?.key;
}
clearInterval(sampler);

const record: MemoryRunRecord = {
  batches,
  candidates,
  outOfOrder,
  keptByReason,
  digest: digest.hex(),
  pages,
  imagesListed,
  seconds: round((performance.now() - started) / 1000, 1),
  peakRssMiB: round(peakRssMiB()),
  peakHeapMiB: round(peakHeap / 2 ** 20),
};
writeFileSync(resultFile, JSON.stringify(record));
// The SDK's keep-alive sockets would hold the process open; its work is done.
process.exit(0);
