import {
  DescribeImageReferencesCommand,
  type DescribeImageReferencesCommandInput,
  DescribeLaunchTemplateVersionsCommand,
  paginateDescribeImageReferences,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEc2Service } from '../../../infra/local/ec2';
import { type RunningParameterStore, startParameterStore } from '../ssm/harness';
import { errorOf } from './harness';

const ACCOUNT = '123456789012';
const ARN = `arn:aws:ec2:us-east-1:${ACCOUNT}`;
const IMAGE = 'ami-0aaaaaaaaaaaaaaaa';
const OTHER = 'ami-0bbbbbbbbbbbbbbbb';
const UNUSED = 'ami-0cccccccccccccccc';

let local: RunningParameterStore;
let running: string;
let stopped: string;
let terminated: string;
let templateId: string;

beforeAll(async () => {
  local = await startParameterStore();
});
afterAll(() => local.close());
beforeEach(() => {
  local.ec2.reset();
  local.ssm.reset();
  const seeded = local.ec2.seed({
    images: [
      { imageId: IMAGE, name: 'service-api-1' },
      { imageId: OTHER, name: 'service-api-2' },
      { imageId: UNUSED, name: 'service-api-3' },
    ],
    instances: [
      { name: 'running', imageId: IMAGE },
      { name: 'stopped', imageId: IMAGE, state: 'stopped' },
      { name: 'terminated', imageId: IMAGE, state: 'terminated' },
    ],
    launchTemplates: [
      {
        name: 'old-versions',
        // IMAGE is in version 1 only; eleven newer versions hide it from the default depth.
        versions: [{ imageId: IMAGE }, ...Array.from({ length: 11 }, () => ({ imageId: OTHER }))],
      },
    ],
  });
  [running, stopped, terminated] = seeded.instanceIds as [string, string, string];
  [templateId] = seeded.launchTemplateIds as [string];
});

const references = async (input: Partial<DescribeImageReferencesCommandInput>) =>
  (
    (
      await local.ec2Client.send(
        new DescribeImageReferencesCommand({ ImageIds: [IMAGE], ...input }),
      )
    ).ImageReferences ?? []
  ).map((r) => `${r.ImageId} ${r.ResourceType} ${r.Arn}`);

describe('DescribeImageReferences', () => {
  it('should report instances in every state by default, as AWS does', async () => {
    expect(await references({ ResourceTypes: [{ ResourceType: 'ec2:Instance' }] })).toEqual([
      `${IMAGE} ec2:Instance ${ARN}:instance/${running}`,
      `${IMAGE} ec2:Instance ${ARN}:instance/${stopped}`,
      `${IMAGE} ec2:Instance ${ARN}:instance/${terminated}`,
    ]);
  });

  it('should narrow instances by the state-name option', async () => {
    const live = await references({
      ResourceTypes: [
        {
          ResourceType: 'ec2:Instance',
          ResourceTypeOptions: [
            {
              OptionName: 'state-name',
              OptionValues: ['pending', 'running', 'stopping', 'stopped'],
            },
          ],
        },
      ],
    });
    expect(live).toEqual([
      `${IMAGE} ec2:Instance ${ARN}:instance/${running}`,
      `${IMAGE} ec2:Instance ${ARN}:instance/${stopped}`,
    ]);
  });

  it('should check the 10 newest launch template versions unless version-depth says more', async () => {
    const template = `${IMAGE} ec2:LaunchTemplate ${ARN}:launch-template/${templateId}`;
    const byDefault = await references({ ResourceTypes: [{ ResourceType: 'ec2:LaunchTemplate' }] });
    const deeper = await references({
      ResourceTypes: [
        {
          ResourceType: 'ec2:LaunchTemplate',
          ResourceTypeOptions: [{ OptionName: 'version-depth', OptionValues: ['12'] }],
        },
      ],
    });
    expect(byDefault).toEqual([]);
    expect(deeper).toEqual([template]);
  });

  it('should report SSM parameters holding the image and templates using it through resolve:ssm', async () => {
    await local.ssmClient.send(
      new PutParameterCommand({
        Name: '/ami-lifecycle/service-api/latest',
        Value: IMAGE,
        Type: 'String',
        DataType: 'aws:ec2:image',
      }),
    );
    const aliased = local.ec2.seed({
      launchTemplates: [
        {
          name: 'by-alias',
          versions: [{ imageId: 'resolve:ssm:/ami-lifecycle/service-api/latest' }],
        },
      ],
    }).launchTemplateIds[0];

    const found = await references({
      ResourceTypes: [{ ResourceType: 'ssm:Parameter' }, { ResourceType: 'ec2:LaunchTemplate' }],
    });
    const resolved = await local.ec2Client.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: aliased, ResolveAlias: true }),
    );
    const unresolved = await local.ec2Client.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: aliased }),
    );

    expect(found).toEqual([
      `${IMAGE} ec2:LaunchTemplate ${ARN}:launch-template/${aliased}`,
      `${IMAGE} ssm:Parameter arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/ami-lifecycle/service-api/latest`,
    ]);
    expect(resolved.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.ImageId).toBe(IMAGE);
    expect(unresolved.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.ImageId).toBe(
      'resolve:ssm:/ami-lifecycle/service-api/latest',
    );
  });

  it('should follow the parameter when it moves to another image', async () => {
    const putLatest = (Value: string, Overwrite?: boolean) =>
      local.ssmClient.send(
        new PutParameterCommand({ Name: '/golden', Value, Type: 'String', Overwrite }),
      );
    await putLatest(IMAGE);
    local.ec2.seed({
      launchTemplates: [{ name: 'golden-lt', versions: [{ imageId: 'resolve:ssm:/golden' }] }],
    });
    const only = { ResourceTypes: [{ ResourceType: 'ec2:LaunchTemplate' as const }] };
    const before = await references(only);
    await putLatest(OTHER, true);
    const after = await references(only);

    expect(before).toHaveLength(1);
    expect(after).toEqual([]);
  });

  it('should launch an instance from a resolve:ssm alias with the AMI it names', async () => {
    await local.ssmClient.send(
      new PutParameterCommand({ Name: '/golden', Value: OTHER, Type: 'String' }),
    );
    const launched = await local.ec2Client.send(
      new RunInstancesCommand({ ImageId: 'resolve:ssm:/golden', MinCount: 1, MaxCount: 1 }),
    );
    expect(launched.Instances?.[0]?.ImageId).toBe(OTHER);
  });

  it('should check every type with IncludeAllResourceTypes and page through the results', async () => {
    local.ec2.seed({ instances: Array.from({ length: 6 }, () => ({ imageId: OTHER })) });
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeImageReferences(
      { client: local.ec2Client, pageSize: 5 },
      { ImageIds: [IMAGE, OTHER], IncludeAllResourceTypes: true },
    )) {
      pages += 1;
      seen.push(...(page.ImageReferences ?? []).map((r) => `${r.ImageId} ${r.Arn}`));
    }
    // IMAGE: 3 instances; OTHER: 6 instances and the template (its newest versions).
    expect(seen).toHaveLength(10);
    expect(new Set(seen).size).toBe(10);
    expect(pages).toBe(2);
  });

  it('should report nothing for an image no resource uses', async () => {
    expect(await references({ ImageIds: [UNUSED], IncludeAllResourceTypes: true })).toEqual([]);
  });

  it('should answer AWS errors for a request without resource types, too many images or a bad option', async () => {
    const noTypes = await errorOf(references({}));
    const eleven = await errorOf(
      references({
        ImageIds: Array.from({ length: 11 }, (_, i) => `ami-${String(i).padStart(17, '0')}`),
        IncludeAllResourceTypes: true,
      }),
    );
    const badDepth = await errorOf(
      references({
        ResourceTypes: [
          {
            ResourceType: 'ec2:LaunchTemplate',
            ResourceTypeOptions: [{ OptionName: 'version-depth', OptionValues: ['10001'] }],
          },
        ],
      }),
    );
    const malformed = await errorOf(
      references({ ImageIds: ['image-1'], IncludeAllResourceTypes: true }),
    );

    expect(noTypes.name).toBe('MissingParameter');
    expect(eleven.name).toBe('InvalidParameterValue');
    expect(badDepth.name).toBe('InvalidParameterValue');
    expect(malformed.name).toBe('InvalidAMIID.Malformed');
  });
});

describe('refusing DescribeImageReferences', () => {
  it('should answer UnauthorizedOperation for injected failures, then work again', async () => {
    local.ec2.injectFailure({
      action: 'DescribeImageReferences',
      code: 'UnauthorizedOperation',
      statusCode: 403,
      times: 1,
    });
    const refused = await errorOf(references({ IncludeAllResourceTypes: true }));
    const answered = await references({ IncludeAllResourceTypes: true });

    expect([refused.name, refused.$metadata?.httpStatusCode]).toEqual([
      'UnauthorizedOperation',
      403,
    ]);
    expect(answered.length).toBeGreaterThan(0);
  });

  it('should refuse every call when the fixture lists it in unsupportedActions, across a restart', async () => {
    local.ec2.seed({ unsupportedActions: ['DescribeImageReferences'] });
    const first = await errorOf(references({ IncludeAllResourceTypes: true }));
    const second = await errorOf(references({ IncludeAllResourceTypes: true }));
    const restored = createEc2Service({ state: local.ec2.snapshotState() });

    expect([first.name, first.$metadata?.httpStatusCode]).toEqual(['UnauthorizedOperation', 403]);
    expect(second.name).toBe('UnauthorizedOperation');
    expect(restored.snapshotState().unsupportedActions).toEqual(['DescribeImageReferences']);
    expect(() => local.ec2.seed({ unsupportedActions: ['DescribeImageReference'] })).toThrow(
      /unknown action DescribeImageReference/,
    );
  });
});
