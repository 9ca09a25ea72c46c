import { DEPLOY_REASON, TAG } from '../../services/shared/tags';
import type { Ec2Fixture } from './ec2';
import { FAIL_IMAGE_TAG } from './ec2';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * What `npm start` begins with: named instances to make AMIs from, and older Deploy AMIs of
 * every kind the janitor must judge, so the first request already shows a purge. Dates are
 * relative to `now`, so the picture stays the same whenever the local cloud is started.
 */
export function defaultFixture(now: Date): Ec2Fixture {
  const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
  const stamp = (days: number) => daysAgo(days).slice(0, 16).replace('T', '_').replace(':', '_');
  const deployImage = (
    instanceName: string,
    days: number,
    imageId: string,
    extra: { tags?: Record<string, string>; deregistrationProtection?: boolean } = {},
  ) => {
    const name = `${instanceName}-Deploy-${stamp(days)}`;
    return {
      imageId,
      name,
      creationDate: daysAgo(days),
      tags: {
        [TAG.name]: name,
        [TAG.reason]: DEPLOY_REASON,
        [TAG.instanceName]: instanceName,
        ...extra.tags,
      },
      snapshots: 1,
      ...(extra.deregistrationProtection ? { deregistrationProtection: true } : {}),
    };
  };

  return {
    images: [
      // The base image instances run from (RunInstances needs an existing image).
      {
        imageId: 'ami-0b0a5e0000000000a',
        name: 'al2023-ami-2023.6-x86_64',
        ownerId: '137112412989',
        ownerAlias: 'amazon',
        public: true,
        creationDate: daysAgo(60),
      },
      // service-api: two expired deploy images to purge, one recent to keep.
      deployImage('service-api', 40, 'ami-0a0000000000000a1'),
      deployImage('service-api', 30, 'ami-0a0000000000000a2'),
      deployImage('service-api', 3, 'ami-0a0000000000000a3'),
      // Expired, but protected, retained by the operator, or still running an instance.
      deployImage('service-api', 35, 'ami-0a0000000000000a4', { deregistrationProtection: true }),
      deployImage('service-api', 33, 'ami-0a0000000000000a5', {
        tags: { [TAG.retain]: 'release 1.0 rollback' },
      }),
      deployImage('service-api', 25, 'ami-0a0000000000000a6'),
      // Made by the seed system: no provenance tag, recognised by its name.
      {
        imageId: 'ami-0a0000000000000a7',
        name: `service-api-Deploy-${stamp(45)}`,
        creationDate: daysAgo(45),
        tags: { [TAG.name]: `service-api-Deploy-${stamp(45)}`, [TAG.reason]: DEPLOY_REASON },
        snapshots: 1,
      },
      // Not a deploy image: never touched.
      {
        imageId: 'ami-0a0000000000000a8',
        name: 'service-api-manual-golden',
        creationDate: daysAgo(90),
        tags: { [TAG.name]: 'service-api-manual-golden', [TAG.reason]: 'Manual' },
        snapshots: 1,
      },
      // service-worker: one expired image to purge, one a launch template still launches.
      deployImage('service-worker', 20, 'ami-0b0000000000000b1'),
      deployImage('service-worker', 18, 'ami-0b0000000000000b2'),
      // Another name's expired image: not in the scope of a service-api purge.
      deployImage('service-batch', 50, 'ami-0c0000000000000c1'),
    ],
    instances: [
      // The oldest running instance of a name is the one imaged.
      {
        instanceId: 'i-0a00000000000a001',
        name: 'service-api',
        imageId: 'ami-0b0a5e0000000000a',
        launchTime: daysAgo(30),
      },
      {
        instanceId: 'i-0a00000000000a002',
        name: 'service-api',
        imageId: 'ami-0a0000000000000a6',
        launchTime: daysAgo(2),
      },
      {
        instanceId: 'i-0b00000000000b001',
        name: 'service-worker',
        imageId: 'ami-0b0a5e0000000000a',
        launchTime: daysAgo(10),
      },
      {
        instanceId: 'i-0b00000000000b002',
        name: 'service-worker',
        imageId: 'ami-0b0a5e0000000000a',
        launchTime: daysAgo(12),
        state: 'stopped',
      },
      // Shows a failing AMI end to end.
      {
        instanceId: 'i-0f00000000000f001',
        name: 'flaky-service',
        imageId: 'ami-0b0a5e0000000000a',
        launchTime: daysAgo(5),
        tags: { [FAIL_IMAGE_TAG]: 'Simulated snapshot failure' },
      },
    ],
    launchTemplates: [
      {
        name: 'service-worker-lt',
        versions: [{ imageId: 'ami-0b0000000000000b2', instanceType: 't3.micro' }],
      },
    ],
  };
}
