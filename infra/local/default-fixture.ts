import { DEPLOY_REASON, TAG } from '../../services/shared/tags';
import type { Ec2Fixture } from './ec2';
import { FAIL_IMAGE_TAG } from './ec2';

type FixtureImage = NonNullable<Ec2Fixture['images']>[number];
type FixtureInstance = NonNullable<Ec2Fixture['instances']>[number];

/** A Deploy AMI as the creator names and tags it: `<instance name>-Deploy-<UTC minute>`. */
interface DeployImageSeed {
  readonly imageId: string;
  readonly instanceName: string;
  readonly ageDays: number;
  /** Made by the seed system: named like a Deploy AMI, but without the instance-name tag. */
  readonly withoutProvenance?: boolean;
  readonly tags?: Readonly<Record<string, string>>;
  readonly deregistrationProtection?: boolean;
}

/** Any other image, as the fixture takes it but with its age instead of its creation date. */
type OtherImageSeed = Omit<FixtureImage, 'creationDate'> & {
  readonly imageId: string;
  readonly ageDays: number;
};

/** An instance as the fixture takes it, but with its age instead of its launch time. */
type InstanceSeed = Omit<FixtureInstance, 'launchTime'> & { readonly launchedDaysAgo: number };

const DAY_MS = 24 * 60 * 60 * 1000;

/** The base image instances run from (RunInstances needs an existing image). */
const BASE_IMAGE_ID = 'ami-0b0a5e0000000000a';

// In fixture order, which is the order the images are seeded in.
const IMAGES: readonly (DeployImageSeed | OtherImageSeed)[] = [
  {
    imageId: BASE_IMAGE_ID,
    name: 'al2023-ami-2023.6-x86_64',
    ownerId: '137112412989',
    ownerAlias: 'amazon',
    public: true,
    ageDays: 60,
  },
  // service-api: two expired deploy images to purge, one recent to keep.
  { imageId: 'ami-0a0000000000000a1', instanceName: 'service-api', ageDays: 40 },
  { imageId: 'ami-0a0000000000000a2', instanceName: 'service-api', ageDays: 30 },
  { imageId: 'ami-0a0000000000000a3', instanceName: 'service-api', ageDays: 3 },
  // Expired, but protected, retained by the operator, or still running an instance.
  {
    imageId: 'ami-0a0000000000000a4',
    instanceName: 'service-api',
    ageDays: 35,
    deregistrationProtection: true,
  },
  {
    imageId: 'ami-0a0000000000000a5',
    instanceName: 'service-api',
    ageDays: 33,
    tags: { [TAG.retain]: 'release 1.0 rollback' },
  },
  { imageId: 'ami-0a0000000000000a6', instanceName: 'service-api', ageDays: 25 },
  // Made by the seed system: no provenance tag, recognised by its name.
  {
    imageId: 'ami-0a0000000000000a7',
    instanceName: 'service-api',
    ageDays: 45,
    withoutProvenance: true,
  },
  // Not a deploy image: never touched.
  {
    imageId: 'ami-0a0000000000000a8',
    name: 'service-api-manual-golden',
    ageDays: 90,
    tags: { [TAG.name]: 'service-api-manual-golden', [TAG.reason]: 'Manual' },
    snapshots: 1,
  },
  // service-worker: one expired image to purge, one a launch template still launches.
  { imageId: 'ami-0b0000000000000b1', instanceName: 'service-worker', ageDays: 20 },
  { imageId: 'ami-0b0000000000000b2', instanceName: 'service-worker', ageDays: 18 },
  // Another name's expired image: not in the scope of a service-api purge.
  { imageId: 'ami-0c0000000000000c1', instanceName: 'service-batch', ageDays: 50 },
];

const INSTANCES: readonly InstanceSeed[] = [
  // The oldest running instance of a name is the one imaged.
  {
    instanceId: 'i-0a00000000000a001',
    name: 'service-api',
    imageId: BASE_IMAGE_ID,
    launchedDaysAgo: 30,
  },
  {
    instanceId: 'i-0a00000000000a002',
    name: 'service-api',
    imageId: 'ami-0a0000000000000a6',
    launchedDaysAgo: 2,
  },
  {
    instanceId: 'i-0b00000000000b001',
    name: 'service-worker',
    imageId: BASE_IMAGE_ID,
    launchedDaysAgo: 10,
  },
  {
    instanceId: 'i-0b00000000000b002',
    name: 'service-worker',
    imageId: BASE_IMAGE_ID,
    launchedDaysAgo: 12,
    state: 'stopped',
  },
  // Shows a failing AMI end to end.
  {
    instanceId: 'i-0f00000000000f001',
    name: 'flaky-service',
    imageId: BASE_IMAGE_ID,
    launchedDaysAgo: 5,
    tags: { [FAIL_IMAGE_TAG]: 'Simulated snapshot failure' },
  },
];

const LAUNCH_TEMPLATES: NonNullable<Ec2Fixture['launchTemplates']> = [
  {
    name: 'service-worker-lt',
    versions: [{ imageId: 'ami-0b0000000000000b2', instanceType: 't3.micro' }],
  },
];

/**
 * What `npm start` begins with: named instances to make AMIs from, and older Deploy AMIs of
 * every kind the janitor must judge, so the first request already shows a purge. Dates are
 * relative to `now`, so the picture stays the same whenever the local cloud is started.
 */
export function defaultFixture(now: Date): Ec2Fixture {
  const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
  // A copy: callers get records of their own, not the constants' tags.
  return structuredClone({
    images: IMAGES.map((seed) =>
      'instanceName' in seed ? deployImage(seed, daysAgo) : otherImage(seed, daysAgo),
    ),
    instances: INSTANCES.map(({ launchedDaysAgo, ...instance }) => ({
      ...instance,
      launchTime: daysAgo(launchedDaysAgo),
    })),
    launchTemplates: LAUNCH_TEMPLATES,
  });
}

function deployImage(seed: DeployImageSeed, daysAgo: (days: number) => string): FixtureImage {
  const stamp = daysAgo(seed.ageDays).slice(0, 16).replace('T', '_').replace(':', '_');
  const name = `${seed.instanceName}-Deploy-${stamp}`;
  return {
    imageId: seed.imageId,
    name,
    creationDate: daysAgo(seed.ageDays),
    tags: {
      [TAG.name]: name,
      [TAG.reason]: DEPLOY_REASON,
      ...(seed.withoutProvenance ? {} : { [TAG.instanceName]: seed.instanceName }),
      ...seed.tags,
    },
    snapshots: 1,
    ...(seed.deregistrationProtection ? { deregistrationProtection: true } : {}),
  };
}

function otherImage(
  { ageDays, ...image }: OtherImageSeed,
  daysAgo: (days: number) => string,
): FixtureImage {
  return { ...image, creationDate: daysAgo(ageDays) };
}
