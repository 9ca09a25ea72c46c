import { EC2Client, type ImageState } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CandidateKey } from './cursor';
import type { DeployImage } from './deploy-image';
import { deployImage, deployImageFacts, FakeEc2Account, NOW } from './ec2-account.fake';
import { listDeployImagePages } from './list-deploy-images';
import { type BatchSettings, selectBatch } from './select-batch';
import type { Candidate } from './select-expired-images';

const ec2Mock = mockClient(EC2Client);
const ec2 = new EC2Client({ region: 'ap-northeast-2' });
const settings = { now: NOW, retentionDays: 14, keepLatest: 1 };
let account: FakeEc2Account;
beforeEach(() => {
  ec2Mock.reset();
  account = new FakeEc2Account();
  account.install(ec2Mock);
});

const image = deployImageFacts;

/** The images as pages of `size`, in the given order, as DescribeImages would hand them out. */
async function* pagesOf(images: readonly DeployImage[], size: number) {
  for (let start = 0; start < images.length; start += size) {
    yield images.slice(start, start + size);
  }
}

/** Every batch of a run, each resuming strictly after the previous batch's last candidate. */
async function walk(
  pages: () => AsyncIterable<readonly DeployImage[]>,
  batch: Omit<BatchSettings, 'after'>,
): Promise<{ candidates: Candidate[]; batches: number; exhaustedAt: boolean[] }> {
  const candidates: Candidate[] = [];
  const exhaustedAt: boolean[] = [];
  let after: CandidateKey | undefined;
  for (;;) {
    const result = await selectBatch(pages(), { ...batch, after });
    candidates.push(...result.candidates);
    exhaustedAt.push(result.exhausted);
    if (result.exhausted) break;
    after = result.candidates.at(-1)?.key;
    if (exhaustedAt.length > 1_000) throw new Error('the run never ends');
  }
  return { candidates, batches: exhaustedAt.length, exhaustedAt };
}

function textOrder(a: CandidateKey, b: CandidateKey): number {
  const left = `${a.instanceName}|${a.createdAt}|${a.imageId}`;
  const right = `${b.instanceName}|${b.createdAt}|${b.imageId}`;
  return left < right ? -1 : left > right ? 1 : 0;
}

const keyOf = (spec: { imageId: string; instanceName: string; createdAt: string }) => ({
  instanceName: spec.instanceName,
  createdAt: spec.createdAt,
  imageId: spec.imageId,
});

describe('selectBatch', () => {
  it('should visit every expired candidate exactly once and in order when batches are walked across a cursor', async () => {
    // Prepare: 2,600 images over 3 names interleaved as they were made, so every name spans every
    // DescribeImages page: pairs made at the same instant, some failed, every 13th still pending
    // (younger than the retention, and newer than every available image of its name).
    const states: ImageState[] = ['available', 'available', 'failed', 'available'];
    account.images = Array.from({ length: 2_600 }, (_, index) =>
      index % 13 === 0
        ? deployImage({ instanceName: `service-${index % 3}`, ageDays: 5, state: 'pending' })
        : deployImage({
            instanceName: `service-${index % 3}`,
            ageDays: 400 - Math.floor(index / 2) * 0.29,
            state: states[index % states.length],
          }),
    );
    const keyed = account.images.map((spec) => ({
      state: spec.State,
      key: keyOf({
        imageId: spec.ImageId ?? '',
        instanceName: spec.Tags?.find((tag) => tag.Key === 'ami-lifecycle:instance-name')
          ?.Value as string,
        createdAt: spec.CreationDate ?? '',
      }),
    }));
    const expected = keyed
      .filter(({ state }) => state !== 'pending')
      .map(({ key }) => key)
      .sort(textOrder);
    const newestAvailable = ['service-0', 'service-1', 'service-2'].map(
      (name) =>
        keyed
          .filter(({ state, key }) => state === 'available' && key.instanceName === name)
          .map(({ key }) => key)
          .sort(textOrder)
          .at(-1)?.imageId,
    );

    // Act
    const run = await walk(() => listDeployImagePages(ec2), { ...settings, batchSize: 250 });

    // Assess
    expect(expected.length).toBeGreaterThan(2_000);
    expect(run.candidates.map((candidate) => candidate.key)).toEqual(expected);
    expect(run.batches).toBe(Math.ceil(expected.length / 250));
    expect(run.exhaustedAt.slice(0, -1).every((exhausted) => !exhausted)).toBe(true);
    const keptLatest = run.candidates.filter((c) => c.kept?.reason === 'keep-latest');
    expect(keptLatest.map((c) => c.image.imageId)).toEqual(newestAvailable);
    expect(run.candidates.filter((c) => c.kept !== undefined)).toHaveLength(3);
  });

  it('should keep the newest available images of a name even when they lie outside the batch', async () => {
    // Prepare: every image is expired; with KEEP_LATEST=2 the two newest must stay.
    const oldest = image({ ageDays: 40 });
    const middle = image({ ageDays: 30 });
    const newest = image({ ageDays: 20 });
    const pages = () => pagesOf([newest, oldest, middle], 1);
    const batch = { ...settings, keepLatest: 2, batchSize: 1 };

    // Act: each batch holds one image; the newest is never in the batch that judges `middle`.
    const first = await selectBatch(pages(), batch);
    const second = await selectBatch(pages(), { ...batch, after: first.candidates[0]?.key });

    // Assess
    expect(first.candidates.map((c) => [c.image.imageId, c.kept?.reason])).toEqual([
      [oldest.imageId, undefined],
    ]);
    expect(second.candidates.map((c) => [c.image.imageId, c.kept?.reason])).toEqual([
      [middle.imageId, 'keep-latest'],
    ]);
    expect(second.exhausted).toBe(false);
  });

  it('should judge keep-latest right when a page boundary falls in the middle of a name', async () => {
    // Prepare: 'service-api' spreads over the first and last pages, with its newest available
    // image on the last one; a failed newer image must not count toward keep-latest.
    const lastGood = image({ ageDays: 25 });
    const images = [
      image({ ageDays: 50 }),
      image({ ageDays: 45, instanceName: 'service-worker' }),
      image({ ageDays: 40 }),
      image({ ageDays: 35, instanceName: 'service-worker' }),
      image({ ageDays: 20, state: 'failed' }),
      lastGood,
    ];

    for (const pageSize of [1, 2, 4, 1_000]) {
      // Act
      const run = await walk(() => pagesOf(images, pageSize), { ...settings, batchSize: 2 });

      // Assess
      const kept = run.candidates.filter((c) => c.kept?.reason === 'keep-latest');
      expect(kept.map((c) => c.image.imageId)).toEqual([lastGood.imageId, images[3]?.imageId]);
      expect(run.candidates).toHaveLength(6);
    }
  });

  it('should never select a pending or transient image, nor count it toward keep-latest', async () => {
    const lastGood = image({ ageDays: 30 });
    const pending = image({ ageDays: 20, state: 'pending' });
    const transient = image({ ageDays: 19, state: 'transient' });

    const batch = await selectBatch(pagesOf([pending, lastGood, transient], 1), {
      ...settings,
      batchSize: 10,
    });

    expect(batch.candidates.map((c) => [c.image.imageId, c.kept?.reason])).toEqual([
      [lastGood.imageId, 'keep-latest'],
    ]);
    expect(batch.exhausted).toBe(true);
  });

  it('should leave an image younger than the retention out of every batch', async () => {
    const young = image({ ageDays: 13.9 });
    const old = image({ ageDays: 14.1 });
    const newest = image({ ageDays: 1 });

    const batch = await selectBatch(pagesOf([young, old, newest], 2), {
      ...settings,
      batchSize: 10,
    });

    expect(batch.candidates.map((c) => c.image.imageId)).toEqual([old.imageId]);
    expect(batch.candidates[0]?.ageDays).toBeCloseTo(14.1, 5);
    expect(batch.candidates[0]?.kept).toBeUndefined();
  });

  it('should say the run is exhausted only when no expired candidate lies beyond the batch', async () => {
    const expired = [40, 30, 20].map((ageDays) => image({ ageDays }));
    const pages = () => pagesOf([image({ ageDays: 1 }), ...expired], 2);

    const exact = await selectBatch(pages(), { ...settings, batchSize: 3 });
    const short = await selectBatch(pages(), { ...settings, batchSize: 2 });
    const rest = await selectBatch(pages(), {
      ...settings,
      batchSize: 2,
      after: short.candidates.at(-1)?.key,
    });
    const beyondEnd = await selectBatch(pages(), {
      ...settings,
      batchSize: 2,
      after: rest.candidates.at(-1)?.key,
    });

    expect(exact).toMatchObject({ exhausted: true });
    expect(exact.candidates).toHaveLength(3);
    expect(short.exhausted).toBe(false);
    expect(short.candidates.map((c) => c.image)).toEqual([expired[0], expired[1]]);
    expect(rest.exhausted).toBe(true);
    expect(rest.candidates.map((c) => c.image)).toEqual([expired[2]]);
    expect(beyondEnd).toEqual({ candidates: [], exhausted: true });
  });

  it('should keep an image AWS Backup manages, as well as retained and protected ones', async () => {
    const backedUp = image({ ageDays: 40, awsBackupManaged: true });
    const retained = image({ ageDays: 39, retainTagged: true });
    const protectedImage = image({ ageDays: 38, deregistrationProtected: true });
    const free = image({ ageDays: 37 });

    const batch = await selectBatch(
      pagesOf([backedUp, retained, protectedImage, free, image({ ageDays: 1 })], 2),
      { ...settings, batchSize: 10 },
    );

    expect(batch.candidates.map((c) => c.kept)).toEqual([
      { reason: 'aws-backup-managed' },
      { reason: 'retention-tag' },
      { reason: 'deregistration-protection' },
      undefined,
    ]);
  });

  it('should keep an image AWS Backup manages when listed from the account', async () => {
    const backedUp = deployImage({ instanceName: 'service-api', ageDays: 40, awsBackup: true });
    account.images = [backedUp, deployImage({ instanceName: 'service-api', ageDays: 1 })];

    const batch = await selectBatch(listDeployImagePages(ec2, 'service-api'), {
      ...settings,
      batchSize: 10,
    });

    expect(batch.candidates.map((c) => [c.image.imageId, c.kept?.reason])).toEqual([
      [backedUp.ImageId, 'aws-backup-managed'],
    ]);
  });

  it('should not let an image listed twice take two keep-latest places or two batch places', async () => {
    const older = image({ ageDays: 30 });
    const newest = image({ ageDays: 20 });

    const batch = await selectBatch(pagesOf([newest, older, newest], 1), {
      ...settings,
      keepLatest: 2,
      batchSize: 10,
    });

    expect(batch.candidates.map((c) => [c.image.imageId, c.kept?.reason])).toEqual([
      [older.imageId, 'keep-latest'],
      [newest.imageId, 'keep-latest'],
    ]);
  });

  it('should refuse a batch size below 1', async () => {
    await expect(selectBatch(pagesOf([], 1), { ...settings, batchSize: 0 })).rejects.toThrow(
      RangeError,
    );
  });
});
