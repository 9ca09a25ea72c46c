import { Logger } from '@aws-lambda-powertools/logger';
import {
  DescribeImageAttributeCommand,
  DescribeImageReferencesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { awsError, NOW, nextId } from './ec2-account.fake';
import {
  createReferenceCheck,
  FALLBACK_SNAPSHOT_MAX_AGE_MS,
  type ReferenceCheckConfig,
} from './find-image-references';
import { FakeImageUsage } from './image-references.fake';

const ec2Mock = mockClient(EC2Client);
const ssmMock = mockClient(SSMClient);
const ec2 = new EC2Client({ region: 'eu-west-1' });
const ssm = new SSMClient({ region: 'eu-west-1' });

let usage: FakeImageUsage;
let nowMs: number;
let logger: Logger;

const defaults: ReferenceCheckConfig = {
  launchTemplateVersionDepth: 10_000,
  purgeSharedImages: false,
  ssmParameterPrefix: '/',
};

beforeEach(() => {
  ec2Mock.reset();
  ssmMock.reset();
  usage = new FakeImageUsage();
  usage.install(ec2Mock, ssmMock);
  nowMs = NOW.getTime();
  logger = new Logger({ serviceName: 'janitor', logLevel: 'SILENT' });
  vi.spyOn(logger, 'warn');
});

function referenceCheck(config: Partial<ReferenceCheckConfig> = {}) {
  return createReferenceCheck({
    ec2,
    ssm,
    config: { ...defaults, ...config },
    clock: () => new Date(nowMs),
    logger,
  });
}

function templateWith(versions: Record<number, string>, defaultVersion = 1) {
  return {
    id: `lt-${nextId('i').slice(2)}`,
    name: 'service-api-asg',
    defaultVersion,
    versions: new Map(Object.entries(versions).map(([number, image]) => [Number(number), image])),
  };
}

const images = (count: number) => Array.from({ length: count }, () => nextId('ami'));

/** Fresh image ids for a test to name as many as it needs. */
function someImages(): [string, string, string, string] {
  return [nextId('ami'), nextId('ami'), nextId('ami'), nextId('ami')];
}

describe('keptImages with DescribeImageReferences', () => {
  it('should keep an image a running instance uses, naming the instance', async () => {
    // Prepare
    const [used, free] = someImages();
    usage.instances = [{ instanceId: 'i-0123456789abcdef0', imageId: used, state: 'running' }];

    // Act
    const kept = await referenceCheck().keptImages([used, free]);

    // Assess
    expect(kept).toEqual(
      new Map([[used, { reason: 'in-use-by-instance', detail: 'i-0123456789abcdef0' }]]),
    );
  });

  it('should keep an image a stopped instance uses and let one only a terminated instance used go', async () => {
    // Prepare
    const [stoppedOn, terminatedOn] = someImages();
    usage.instances = [
      { instanceId: 'i-0000000000000000a', imageId: stoppedOn, state: 'stopped' },
      { instanceId: 'i-0000000000000000b', imageId: terminatedOn, state: 'terminated' },
    ];

    // Act
    const kept = await referenceCheck().keptImages([stoppedOn, terminatedOn]);

    // Assess
    expect([...kept.keys()]).toEqual([stoppedOn]);
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeImageReferencesCommand, {
      ResourceTypes: expect.arrayContaining([
        {
          ResourceType: 'ec2:Instance',
          ResourceTypeOptions: [
            {
              OptionName: 'state-name',
              OptionValues: ['pending', 'running', 'shutting-down', 'stopping', 'stopped'],
            },
          ],
        },
      ]),
    });
  });

  it('should keep an image only version 2 of a launch template names, neither $Default nor $Latest', async () => {
    // Prepare
    const [pinned, current] = someImages();
    const template = templateWith({ 1: current, 2: pinned, 3: current }, 1);
    usage.launchTemplates = [template];

    // Act
    const kept = await referenceCheck().keptImages([pinned]);

    // Assess
    expect(kept.get(pinned)).toEqual({ reason: 'in-use-by-launch-template', detail: template.id });
  });

  it('should send the configured launch template version depth', async () => {
    // Prepare
    const [old, current] = someImages();
    usage.launchTemplates = [templateWith({ 1: old, 2: current, 3: current }, 3)];

    // Act
    const kept = await referenceCheck({ launchTemplateVersionDepth: 2 }).keptImages([old]);

    // Assess
    expect(kept.size).toBe(0);
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeImageReferencesCommand, {
      ImageIds: [old],
      ResourceTypes: expect.arrayContaining([
        {
          ResourceType: 'ec2:LaunchTemplate',
          ResourceTypeOptions: [{ OptionName: 'version-depth', OptionValues: ['2'] }],
        },
        { ResourceType: 'ssm:Parameter' },
        { ResourceType: 'imagebuilder:ImageRecipe' },
        { ResourceType: 'imagebuilder:ContainerRecipe' },
      ]),
    });
  });

  it('should keep an image an SSM parameter holds, naming the parameter', async () => {
    // Prepare
    const [held] = someImages();
    usage.parameters = [{ name: '/ami-lifecycle/service-api/latest', value: held }];

    // Act
    const kept = await referenceCheck().keptImages([held]);

    // Assess
    expect(kept.get(held)).toEqual({
      reason: 'in-use-by-ssm-parameter',
      detail: '/ami-lifecycle/service-api/latest',
    });
  });

  it.each(['image', 'container'] as const)(
    'should keep an image an Image Builder %s recipe names, naming the recipe',
    async (kind) => {
      // Prepare
      const [parent] = someImages();
      usage.recipes = [{ kind, name: 'golden', imageId: parent }];

      // Act
      const kept = await referenceCheck().keptImages([parent]);

      // Assess
      expect(kept.get(parent)).toEqual({
        reason: 'in-use-by-image-recipe',
        detail: `arn:aws:imagebuilder:eu-west-1:111122223333:${kind}-recipe/golden/1.0.0`,
      });
    },
  );

  it('should name the instance when an instance and a launch template both use an image', async () => {
    // Prepare
    const [used] = someImages();
    usage.launchTemplates = [templateWith({ 1: used })];
    usage.parameters = [{ name: '/golden', value: used }];
    usage.instances = [{ instanceId: 'i-0000000000000000c', imageId: used, state: 'running' }];

    // Act
    const kept = await referenceCheck().keptImages([used]);

    // Assess
    expect(kept.get(used)).toEqual({ reason: 'in-use-by-instance', detail: 'i-0000000000000000c' });
  });

  it('should follow NextToken through every page of references', async () => {
    // Prepare
    const ids = images(10);
    usage.instances = ids.map((imageId, index) => ({
      instanceId: `i-${String(index).padStart(17, '0')}`,
      imageId,
      state: 'running',
    }));
    usage.referencePageSize = 3;

    // Act
    const kept = await referenceCheck().keptImages(ids);

    // Assess
    expect([...kept.keys()].sort()).toEqual([...ids].sort());
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeImageReferencesCommand, 4);
  });

  it('should let images nothing references and nobody else may launch go', async () => {
    // Prepare
    const ids = someImages();

    // Act
    const kept = await referenceCheck().keptImages(ids);

    // Assess
    expect(kept.size).toBe(0);
  });

  it('should propagate an error that is not a refusal, without falling back', async () => {
    // Prepare
    const [image] = someImages();
    usage.referencesError = awsError('RequestLimitExceeded', 'Request limit exceeded.');

    // Act
    const checking = referenceCheck().keptImages([image]);

    // Assess
    await expect(checking).rejects.toThrow('Request limit exceeded.');
    expect(ec2Mock).not.toHaveReceivedCommand(DescribeInstancesCommand);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('should refuse to check more than 10 images at once', async () => {
    // Act
    const checking = referenceCheck().keptImages(images(11));

    // Assess
    await expect(checking).rejects.toThrow(RangeError);
    expect(ec2Mock).not.toHaveReceivedCommand(DescribeImageReferencesCommand);
  });
});

describe('keptImages for shared images', () => {
  it.each([
    { permission: { UserId: '444455556666' }, detail: 'accounts 444455556666' },
    { permission: { Group: 'all' as const }, detail: 'public' },
    {
      permission: {
        OrganizationArn: 'arn:aws:organizations::123456789012:organization/o-abcdefghij',
      },
      detail: 'arn:aws:organizations::123456789012:organization/o-abcdefghij',
    },
    {
      permission: {
        OrganizationalUnitArn:
          'arn:aws:organizations::123456789012:ou/o-abcdefghij/ou-ab12-cdefgh34',
      },
      detail: 'arn:aws:organizations::123456789012:ou/o-abcdefghij/ou-ab12-cdefgh34',
    },
  ])('should keep an image shared with $detail', async ({ permission, detail }) => {
    // Prepare
    const [shared, own] = someImages();
    usage.launchPermissions.set(shared, [permission]);

    // Act
    const kept = await referenceCheck().keptImages([shared, own]);

    // Assess
    expect(kept).toEqual(new Map([[shared, { reason: 'shared-with-other-accounts', detail }]]));
  });

  it('should name every account an image is shared with', async () => {
    // Prepare
    const [shared] = someImages();
    usage.launchPermissions.set(shared, [{ UserId: '444455556666' }, { UserId: '777788889999' }]);

    // Act
    const kept = await referenceCheck().keptImages([shared]);

    // Assess
    expect(kept.get(shared)?.detail).toBe('accounts 444455556666, 777788889999');
  });

  it('should let a shared image go when PURGE_SHARED_IMAGES is set, without asking who it is shared with', async () => {
    // Prepare
    const [shared] = someImages();
    usage.launchPermissions.set(shared, [{ Group: 'all' }]);

    // Act
    const kept = await referenceCheck({ purgeSharedImages: true }).keptImages([shared]);

    // Assess
    expect(kept.size).toBe(0);
    expect(ec2Mock).not.toHaveReceivedCommand(DescribeImageAttributeCommand);
  });

  it('should report the reference when a shared image is also in use', async () => {
    // Prepare
    const [used] = someImages();
    usage.launchPermissions.set(used, [{ UserId: '444455556666' }]);
    usage.instances = [{ instanceId: 'i-0000000000000000d', imageId: used, state: 'running' }];

    // Act
    const kept = await referenceCheck().keptImages([used]);

    // Assess
    expect(kept.get(used)?.reason).toBe('in-use-by-instance');
  });

  it('should propagate a refused DescribeImageAttribute rather than guess the image is private', async () => {
    // Prepare
    const [image] = someImages();
    ec2Mock
      .on(DescribeImageAttributeCommand)
      .rejects(
        awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.'),
      );

    // Act
    const checking = referenceCheck().keptImages([image]);

    // Assess
    await expect(checking).rejects.toThrow('You are not authorized');
  });
});

describe('keptImages when DescribeImageReferences is refused', () => {
  beforeEach(() => {
    usage.referencesError = awsError(
      'UnauthorizedOperation',
      'You are not authorized to perform this operation.',
    );
  });

  it.each([
    'UnauthorizedOperation',
    'AccessDenied',
    'AccessDeniedException',
    'InvalidAction',
    'UnsupportedOperation',
  ])(
    'should read instances directly after %s, keeping an image a stopped instance uses',
    async (code) => {
      // Prepare
      usage.referencesError = awsError(code, 'refused');
      const [stoppedOn, terminatedOn] = someImages();
      usage.instances = [
        { instanceId: 'i-0000000000000000e', imageId: stoppedOn, state: 'stopped' },
        { instanceId: 'i-0000000000000000f', imageId: terminatedOn, state: 'terminated' },
      ];

      // Act
      const kept = await referenceCheck().keptImages([stoppedOn, terminatedOn]);

      // Assess
      expect(kept).toEqual(
        new Map([[stoppedOn, { reason: 'in-use-by-instance', detail: 'i-0000000000000000e' }]]),
      );
    },
  );

  it('should keep an image any of the newest versions of a template names, and its default version', async () => {
    // Prepare
    const [inDefault, pinned, tooOld, current] = someImages();
    const template = templateWith(
      { 1: inDefault, 2: tooOld, 3: pinned, 4: current, 5: current },
      1,
    );
    usage.launchTemplates = [template];

    // Act
    const kept = await referenceCheck({ launchTemplateVersionDepth: 3 }).keptImages([
      inDefault,
      pinned,
      tooOld,
    ]);

    // Assess
    expect(kept).toEqual(
      new Map([
        [
          inDefault,
          { reason: 'in-use-by-launch-template', detail: `service-api-asg (${template.id}) v1` },
        ],
        [
          pinned,
          { reason: 'in-use-by-launch-template', detail: `service-api-asg (${template.id}) v3` },
        ],
      ]),
    );
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeLaunchTemplateVersionsCommand, {
      LaunchTemplateId: template.id,
      ResolveAlias: true,
    });
  });

  it('should keep an image a launch template names through a resolve:ssm: alias', async () => {
    // Prepare
    const [aliased] = someImages();
    usage.parameters = [{ name: '/outside/golden', value: aliased }];
    const template = templateWith({ 1: 'resolve:ssm:/outside/golden' });
    usage.launchTemplates = [template];

    // Act
    const kept = await referenceCheck({ ssmParameterPrefix: '/ami-lifecycle' }).keptImages([
      aliased,
    ]);

    // Assess
    expect(kept.get(aliased)).toEqual({
      reason: 'in-use-by-launch-template',
      detail: `service-api-asg (${template.id}) v1`,
    });
  });

  it('should keep images SSM parameters under the prefix hold, and only those', async () => {
    // Prepare
    const [held, listed, outside] = someImages();
    usage.parameters = [
      { name: '/ami-lifecycle/service-api/latest', value: held },
      {
        name: '/ami-lifecycle/fleet',
        value: `ami-00000000000000000,${listed}`,
        type: 'StringList',
      },
      { name: '/elsewhere/golden', value: outside },
    ];

    // Act
    const kept = await referenceCheck({ ssmParameterPrefix: '/ami-lifecycle' }).keptImages([
      held,
      listed,
      outside,
    ]);

    // Assess
    expect(kept).toEqual(
      new Map([
        [held, { reason: 'in-use-by-ssm-parameter', detail: '/ami-lifecycle/service-api/latest' }],
        [listed, { reason: 'in-use-by-ssm-parameter', detail: '/ami-lifecycle/fleet' }],
      ]),
    );
    expect(ssmMock).toHaveReceivedCommandWith(GetParametersByPathCommand, {
      Path: '/ami-lifecycle',
      Recursive: true,
    });
  });

  it('should not see Image Builder recipes', async () => {
    // Prepare
    const [parent] = someImages();
    usage.recipes = [{ kind: 'image', name: 'golden', imageId: parent }];

    // Act
    const kept = await referenceCheck().keptImages([parent]);

    // Assess
    expect(kept.size).toBe(0);
  });

  it('should warn once, naming the missing permission, and stop asking for the rest of the invocation', async () => {
    // Prepare
    const check = referenceCheck();

    // Act
    await check.keptImages(images(2));
    await check.keptImages(images(2));

    // Assess
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeImageReferencesCommand, 1);
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeInstancesCommand, 2);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('DescribeImageReferences refused'),
      expect.objectContaining({
        code: 'UnauthorizedOperation',
        missingPermission: 'ec2:DescribeImageReferences',
      }),
    );
  });

  it('should reuse the launch template and parameter snapshots for 60 s and read them again after', async () => {
    // Prepare
    const check = referenceCheck();
    const [first, second] = someImages();
    await check.keptImages([first]);
    usage.launchTemplates = [templateWith({ 1: second })];
    usage.parameters = [{ name: '/golden', value: first }];

    // Act
    nowMs += FALLBACK_SNAPSHOT_MAX_AGE_MS - 1;
    const withinAMinute = await check.keptImages([first, second]);
    nowMs += 1;
    const aMinuteLater = await check.keptImages([first, second]);

    // Assess
    expect(withinAMinute.size).toBe(0);
    expect(aMinuteLater.get(first)?.reason).toBe('in-use-by-ssm-parameter');
    expect(aMinuteLater.get(second)?.reason).toBe('in-use-by-launch-template');
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeLaunchTemplatesCommand, 2);
    expect(ssmMock).toHaveReceivedCommandTimes(GetParametersByPathCommand, 2);
    // Instances are never cached: a group sees instances launched a second before.
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeInstancesCommand, 3);
  });

  it('should page through templates, versions and parameters', async () => {
    // Prepare
    const unused = 'ami-0ffffffffffffffff';
    const inVersion6 = nextId('ami');
    const inParameters = images(9);
    usage.launchTemplates = Array.from({ length: 201 }, () => templateWith({ 1: unused }));
    const versions = Array.from({ length: 250 }, (_, index) => [index + 1, unused] as const);
    usage.launchTemplates.push(templateWith({ ...Object.fromEntries(versions), 6: inVersion6 }));
    usage.parameters = [
      ...inParameters.map((imageId, index) => ({ name: `/p/${index}`, value: imageId })),
      ...Array.from({ length: 15 }, (_, index) => ({ name: `/q/${index}`, value: unused })),
    ];

    // Act
    const kept = await referenceCheck().keptImages([inVersion6, ...inParameters]);

    // Assess
    expect(kept.get(inVersion6)?.detail).toMatch(/ v6$/);
    expect([...kept.keys()].sort()).toEqual([inVersion6, ...inParameters].sort());
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeLaunchTemplatesCommand, 2);
    expect(ssmMock).toHaveReceivedCommandTimes(GetParametersByPathCommand, 3);
  });

  it('should propagate an error of a direct read', async () => {
    // Prepare
    ec2Mock
      .on(DescribeLaunchTemplatesCommand)
      .rejects(awsError('RequestLimitExceeded', 'Request limit exceeded.'));

    // Act
    const checking = referenceCheck().keptImages(images(1));

    // Assess
    await expect(checking).rejects.toThrow('Request limit exceeded.');
  });
});
