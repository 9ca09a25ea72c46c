import { createHash } from 'node:crypto';
import type { Ec2Fixture } from '../../infra/local/ec2';
import { DEPLOY_REASON, TAG } from '../../services/shared/tags';

/** Every 10th image leaves the provenance tag out, as the seed system's images do. */
const SEED_MADE_EVERY = 10;
/** Images a name holds on average: the account's images spread over `images / 1,000` names. */
const IMAGES_PER_NAME = 1_000;
/** The account's history: images made at an even pace over two years, names interleaved. */
const HISTORY_DAYS = 730;
const DAY_MS = 86_400_000;

export interface MemoryFixture {
  readonly fixture: Ec2Fixture;
  readonly names: number;
  /** Expired candidates a run over every batch must visit, each once. */
  readonly expectedCandidates: number;
  /** SHA-256 of the candidates' image ids in the run's order (see `candidateDigest`). */
  readonly expectedDigest: string;
}

/**
 * `images` Deploy AMIs with 2 snapshots each, made one after another over two years by
 * `images / 1,000` instance names in turn, so every name spans every DescribeImages page, as in
 * an account that never purged; those older than `retentionDays` are the run's candidates.
 */
export function memoryFixture(images: number, retentionDays: number, nowMs: number): MemoryFixture {
  const names = Math.max(1, Math.round(images / IMAGES_PER_NAME));
  const stepMs = (HISTORY_DAYS * DAY_MS) / images;
  const cutoffMs = nowMs - retentionDays * DAY_MS;
  const records: NonNullable<Ec2Fixture['images']> = [];
  const expected: { key: string; imageId: string }[] = [];
  for (let index = 0; index < images; index++) {
    const instanceName = `service-${String(index % names).padStart(3, '0')}`;
    // Whole seconds: the seed system's names carry minutes, EC2's CreationDate milliseconds.
    const createdMs = Math.floor((nowMs - (images - index) * stepMs) / 1000) * 1000;
    const imageId = `ami-${index.toString(16).padStart(17, '0')}`;
    const createdAt = new Date(createdMs).toISOString();
    // The seed system's name pattern; a name makes an image every few hours, so it is unique.
    const name = `${instanceName}-Deploy-${createdAt.slice(0, 10)}_${createdAt.slice(11, 13)}_${createdAt.slice(14, 16)}`;
    const tags: Record<string, string> = { Name: name, [TAG.reason]: DEPLOY_REASON };
    if (index % SEED_MADE_EVERY !== 0) tags[TAG.instanceName] = instanceName;
    records.push({ imageId, name, creationDate: createdAt, tags, snapshots: 2 });
    if (createdMs < cutoffMs)
      expected.push({ key: `${instanceName}|${createdAt}|${imageId}`, imageId });
  }
  expected.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    fixture: { images: records },
    names,
    expectedCandidates: expected.length,
    expectedDigest: digestOf(expected.map((entry) => entry.imageId)),
  };
}

function digestOf(imageIds: readonly string[]): string {
  const digest = candidateDigest();
  for (const imageId of imageIds) digest.add(imageId);
  return digest.hex();
}

/**
 * SHA-256 of image ids, each followed by a newline, fed one at a time (a run never holds them
 * all): equal digests mean the same ids in the same order.
 */
export function candidateDigest() {
  const hash = createHash('sha256');
  return {
    add: (imageId: string) => {
      hash.update(`${imageId}\n`);
    },
    hex: () => hash.digest('hex'),
  };
}
