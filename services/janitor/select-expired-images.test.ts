import { describe, expect, it } from 'vitest';
import type { DeployImage } from './deploy-image';
import { deployImageFacts, NOW } from './ec2-account.fake';
import { selectBatch } from './select-batch';
import type { SelectionSettings } from './select-expired-images';

/** The rules over one batch holding every candidate. */
async function selectExpiredImages(images: readonly DeployImage[], settings: SelectionSettings) {
  async function* onePage() {
    yield images;
  }
  return (await selectBatch(onePage(), { ...settings, batchSize: 10_000 })).candidates;
}

const settings = { now: NOW, retentionDays: 14, keepLatest: 1 };
const image = deployImageFacts;

describe('selectExpiredImages', () => {
  it('should leave an image of 13.9 days alone and select one of 14.1 days', async () => {
    const newest = image({ ageDays: 1 });
    const young = image({ ageDays: 13.9 });
    const old = image({ ageDays: 14.1 });

    const candidates = await selectExpiredImages([newest, young, old], settings);

    expect(candidates.map((candidate) => candidate.image.imageId)).toEqual([old.imageId]);
    expect(candidates[0]?.kept).toBeUndefined();
    expect(candidates[0]?.ageDays).toBeCloseTo(14.1, 5);
  });

  it('should follow RETENTION_DAYS', async () => {
    const images = [image({ ageDays: 1 }), image({ ageDays: 8 })];
    expect(await selectExpiredImages(images, { ...settings, retentionDays: 7 })).toHaveLength(1);
    expect(await selectExpiredImages(images, { ...settings, retentionDays: 30 })).toHaveLength(0);
  });

  it('should keep the newest image of a name even when every image is expired', async () => {
    const older = image({ ageDays: 40 });
    const newest = image({ ageDays: 20 });

    const candidates = await selectExpiredImages([older, newest], settings);

    expect(candidates.find((c) => c.image === newest)?.kept?.reason).toBe('keep-latest');
    expect(candidates.find((c) => c.image === older)?.kept).toBeUndefined();
  });

  it('should keep the newest KEEP_LATEST images per instance name, each name on its own', async () => {
    const api = [40, 30, 20].map((ageDays) => image({ ageDays }));
    const worker = [50, 45].map((ageDays) => image({ ageDays, instanceName: 'service-worker' }));

    const candidates = await selectExpiredImages([...api, ...worker], {
      ...settings,
      keepLatest: 2,
    });

    const kept = candidates.filter((c) => c.kept?.reason === 'keep-latest').map((c) => c.image);
    expect(kept).toEqual([api[1], api[2], worker[0], worker[1]]);
    expect(candidates.filter((c) => c.kept === undefined).map((c) => c.image)).toEqual([api[0]]);
  });

  it('should count only available images toward keep-latest, so a failed or pending newer image never lets the last good one go', async () => {
    const lastGood = image({ ageDays: 30 });
    const failedNewer = image({ ageDays: 20, state: 'failed' });
    const pendingNewest = image({ ageDays: 0.1, state: 'pending' });

    const candidates = await selectExpiredImages([lastGood, failedNewer, pendingNewest], settings);

    expect(candidates.find((c) => c.image === lastGood)?.kept?.reason).toBe('keep-latest');
    // The expired failed image is junk and may go; the pending one is not settled, not a candidate.
    expect(candidates.find((c) => c.image === failedNewer)?.kept).toBeUndefined();
    expect(candidates.some((c) => c.image === pendingNewest)).toBe(false);
  });

  it('should never select an image that is still pending or transient', async () => {
    const images = [
      image({ ageDays: 1 }),
      image({ ageDays: 30, state: 'pending' }),
      image({ ageDays: 30, state: 'transient' }),
    ];
    expect(await selectExpiredImages(images, settings)).toEqual([]);
  });

  it('should keep an expired image with the retention tag', async () => {
    const retained = image({ ageDays: 30, retainTagged: true });
    const candidates = await selectExpiredImages([image({ ageDays: 1 }), retained], settings);
    expect(candidates[0]?.kept).toEqual({ reason: 'retention-tag' });
  });

  it('should keep an expired image with deregistration protection', async () => {
    const protectedImage = image({ ageDays: 30, deregistrationProtected: true });
    const candidates = await selectExpiredImages([image({ ageDays: 1 }), protectedImage], settings);
    expect(candidates[0]?.kept).toEqual({ reason: 'deregistration-protection' });
  });

  it('should report keep-latest first when several rules keep the same image', async () => {
    const only = image({ ageDays: 30, retainTagged: true, deregistrationProtected: true });
    expect((await selectExpiredImages([only], settings))[0]?.kept?.reason).toBe('keep-latest');
    const second = image({ ageDays: 40, retainTagged: true, deregistrationProtected: true });
    expect((await selectExpiredImages([only, second], settings))[0]?.kept?.reason).toBe(
      'retention-tag',
    );
  });

  it('should order candidates by instance name, creation date and image id', async () => {
    const images = [
      image({ ageDays: 20, instanceName: 'b' }),
      image({ ageDays: 30, instanceName: 'b' }),
      image({ ageDays: 25, instanceName: 'a' }),
      image({ ageDays: 25, instanceName: 'a' }),
      image({ ageDays: 40, instanceName: 'a' }),
    ];

    const keys = (await selectExpiredImages(images, settings)).map((c) => c.key);

    expect(keys.map((key) => key.instanceName)).toEqual(['a', 'a', 'a', 'b', 'b']);
    expect(keys).toEqual([...keys].sort((x, y) => byKey(x, y)));
    expect((keys[1]?.imageId ?? '') < (keys[2]?.imageId ?? '')).toBe(true);
  });
});

function byKey(
  a: { instanceName: string; createdAt: string; imageId: string },
  b: { instanceName: string; createdAt: string; imageId: string },
): number {
  const left = `${a.instanceName}|${a.createdAt}|${a.imageId}`;
  const right = `${b.instanceName}|${b.createdAt}|${b.imageId}`;
  return left < right ? -1 : left > right ? 1 : 0;
}
