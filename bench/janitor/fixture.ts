import type { Ec2Fixture } from '../../infra/local/ec2';
import { DEPLOY_REASON, TAG } from '../../services/shared/tags';

/** Issue 5 §2: the account the janitor sweeps. */
export const SCALE = {
  names: 10,
  expiredPerName: 1_000,
  recentPerName: 200,
  inUsePerName: 50,
  snapshotsPerImage: 2,
  /** Images that are not deploy images (no `Reason=Deploy`), old enough to tempt a careless purge. */
  foreign: 100,
} as const;

/** Of the in-use images of a name, this many are named by launch templates, the rest by instances. */
const IN_USE_BY_TEMPLATES_PER_NAME = 5;
/** Every 10th image leaves the provenance tag out, as the seed system's images do. */
const SEED_MADE_EVERY = 10;
const RETENTION_DAYS = 14;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface JanitorFixture {
  readonly fixture: Ec2Fixture;
  /** Exactly what a correct sweep deregisters. */
  readonly expectedPurged: ReadonlySet<string>;
  /** Images that must survive: recent, in use, foreign. */
  readonly kept: ReadonlySet<string>;
  readonly inUse: ReadonlySet<string>;
  readonly recent: ReadonlySet<string>;
  readonly retentionDays: number;
}

/**
 * 10 instance names, each with 1,000 expired deploy images, 200 recent ones (the newest is the
 * keep-latest one) and 50 expired ones still in use (45 by running or stopped instances, 5 by the
 * default or latest version of a launch template), every image with 2 snapshots; plus 100 old
 * images without `Reason=Deploy`. Ids are fixed so in-use links can be written into the fixture.
 */
export function janitorFixture(nowMs: number): JanitorFixture {
  const images: NonNullable<Ec2Fixture['images']> = [];
  const instances: NonNullable<Ec2Fixture['instances']> = [];
  const launchTemplates: NonNullable<Ec2Fixture['launchTemplates']> = [];
  const expectedPurged = new Set<string>();
  const inUse = new Set<string>();
  const recent = new Set<string>();
  const foreign = new Set<string>();
  let sequence = 0;
  const nextImageId = () => `ami-${(sequence++).toString(16).padStart(17, '0')}`;

  for (let nameIndex = 0; nameIndex < SCALE.names; nameIndex++) {
    const instanceName = `service-${String(nameIndex).padStart(2, '0')}`;
    const deployImage = (createdMs: number, index: number) => {
      const imageId = nextImageId();
      const name = `${instanceName}-Deploy-${seedTimestamp(createdMs)}`;
      const tags: Record<string, string> = { Name: name, [TAG.reason]: DEPLOY_REASON };
      if (index % SEED_MADE_EVERY !== 0) tags[TAG.instanceName] = instanceName;
      images.push({
        imageId,
        name,
        creationDate: new Date(createdMs).toISOString(),
        tags,
        snapshots: SCALE.snapshotsPerImage,
      });
      return imageId;
    };

    // Expired images 4 hours apart from 15 days back; every 21st of them is in use.
    const oldCount = SCALE.expiredPerName + SCALE.inUsePerName;
    const inUseHere: string[] = [];
    for (let index = 0; index < oldCount; index++) {
      const imageId = deployImage(
        nowMs - (RETENTION_DAYS + 1) * DAY_MS - index * 4 * HOUR_MS,
        index,
      );
      if (index % (oldCount / SCALE.inUsePerName) === 0) inUseHere.push(imageId);
      else expectedPurged.add(imageId);
    }
    // Recent images 1.5 hours apart, from 13 days back to half a day ago.
    for (let index = 0; index < SCALE.recentPerName; index++) {
      recent.add(deployImage(nowMs - 13 * DAY_MS + index * 1.5 * HOUR_MS, index));
    }

    const byTemplates = inUseHere.slice(0, IN_USE_BY_TEMPLATES_PER_NAME);
    const byInstances = inUseHere.slice(IN_USE_BY_TEMPLATES_PER_NAME);
    byInstances.forEach((imageId, index) => {
      instances.push({
        name: `${instanceName}-${index}`,
        imageId,
        state: index % 3 === 0 ? 'stopped' : 'running',
      });
    });
    // A template's default version and its latest version each hold one image; older versions
    // between them would not count, so there are none.
    for (let index = 0; index < byTemplates.length; index += 2) {
      const versions = byTemplates.slice(index, index + 2).map((imageId) => ({ imageId }));
      launchTemplates.push({
        name: `${instanceName}-lt-${index / 2}`,
        defaultVersion: 1,
        versions,
      });
    }
    for (const imageId of inUseHere) inUse.add(imageId);
  }

  for (let index = 0; index < SCALE.foreign; index++) {
    const imageId = nextImageId();
    const name = `golden-base-${index}`;
    images.push({
      imageId,
      name,
      creationDate: new Date(nowMs - 400 * DAY_MS + index * HOUR_MS).toISOString(),
      tags: { Name: name, [TAG.reason]: 'Golden' },
      snapshots: SCALE.snapshotsPerImage,
    });
    foreign.add(imageId);
  }

  return {
    fixture: { images, instances, launchTemplates },
    expectedPurged,
    kept: new Set([...inUse, ...recent, ...foreign]),
    inUse,
    recent,
    retentionDays: RETENTION_DAYS,
  };
}

/** The seed system's AMI name suffix: `YYYY-MM-DD_HH_MM` (UTC). */
function seedTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)}_${iso.slice(11, 13)}_${iso.slice(14, 16)}`;
}
