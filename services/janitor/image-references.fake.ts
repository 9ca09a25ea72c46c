// Test support: what in an account may still need an AMI (instances, launch template versions,
// SSM parameters, Image Builder recipes, launch permissions), behind aws-sdk-client-mock, with
// EC2's DescribeImageReferences semantics and the calls the janitor falls back on. It answers
// DescribeInstances and DescribeLaunchTemplateVersions from its own lists: installed on the same
// mock after FakeEc2Account, it replaces that fake's answers to those two calls.
import {
  DescribeImageAttributeCommand,
  DescribeImageReferencesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type EC2Client,
  type Filter,
  type ImageReference,
  type LaunchPermission,
  type ResourceTypeRequest,
} from '@aws-sdk/client-ec2';
import { GetParametersByPathCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { awsError, SELF } from './ec2-account.fake';

const REGION = 'eu-west-1';
const ALL_INSTANCE_STATES = [
  'pending',
  'running',
  'shutting-down',
  'terminated',
  'stopping',
  'stopped',
];
/** EC2's version-depth when none is given. */
const DEFAULT_VERSION_DEPTH = 10;

export interface UsageInstance {
  readonly instanceId: string;
  readonly imageId: string;
  readonly state: string;
}

export interface UsageLaunchTemplate {
  readonly id: string;
  readonly name: string;
  readonly defaultVersion: number;
  /** Version number → image: an AMI id or `resolve:ssm:<parameter name>`. */
  readonly versions: ReadonlyMap<number, string>;
}

export interface UsageParameter {
  readonly name: string;
  readonly value: string;
  readonly type?: 'String' | 'StringList';
}

export interface UsageRecipe {
  readonly kind: 'image' | 'container';
  readonly name: string;
  readonly imageId: string;
}

export class FakeImageUsage {
  instances: UsageInstance[] = [];
  launchTemplates: UsageLaunchTemplate[] = [];
  parameters: UsageParameter[] = [];
  recipes: UsageRecipe[] = [];
  /** Image id → its launch permissions (none: only the owner may launch it). */
  readonly launchPermissions = new Map<string, LaunchPermission[]>();
  /** When set, DescribeImageReferences answers with this error. */
  referencesError: Error | undefined;
  /** References per DescribeImageReferences page. */
  referencePageSize = 1000;

  install(ec2: AwsClientStub<EC2Client>, ssm: AwsClientStub<SSMClient>): void {
    ec2.on(DescribeImageReferencesCommand).callsFake((input) => {
      if (this.referencesError !== undefined) throw this.referencesError;
      const imageIds: string[] = input.ImageIds ?? [];
      if (imageIds.length < 1 || imageIds.length > 10) {
        throw awsError('InvalidParameterValue', 'ImageIds must hold 1 to 10 image ids.');
      }
      const references = this.referencesTo(imageIds, input.ResourceTypes ?? []);
      return page(references, this.referencePageSize, input.NextToken, (found, NextToken) => ({
        ImageReferences: found,
        NextToken,
      }));
    });
    ec2.on(DescribeInstancesCommand).callsFake((input) => {
      const filters: Filter[] = input.Filters ?? [];
      const values = (name: string) => filters.find((filter) => filter.Name === name)?.Values;
      const matching = this.instances.filter(
        (instance) =>
          (values('image-id')?.includes(instance.imageId) ?? true) &&
          (values('instance-state-name')?.includes(instance.state) ?? true),
      );
      return page(matching, input.MaxResults ?? 1000, input.NextToken, (found, NextToken) => ({
        Reservations: found.map((instance) => ({
          Instances: [
            {
              InstanceId: instance.instanceId,
              ImageId: instance.imageId,
              State: { Name: instance.state },
            },
          ],
        })),
        NextToken,
      }));
    });
    ec2.on(DescribeLaunchTemplatesCommand).callsFake((input) =>
      page(this.launchTemplates, input.MaxResults ?? 200, input.NextToken, (found, NextToken) => ({
        LaunchTemplates: found.map((template) => ({
          LaunchTemplateId: template.id,
          LaunchTemplateName: template.name,
          DefaultVersionNumber: template.defaultVersion,
          LatestVersionNumber: Math.max(...template.versions.keys()),
        })),
        NextToken,
      })),
    );
    ec2.on(DescribeLaunchTemplateVersionsCommand).callsFake((input) => {
      const template = this.launchTemplates.find((each) => each.id === input.LaunchTemplateId);
      if (template === undefined) {
        throw awsError(
          'InvalidLaunchTemplateId.NotFound',
          `The launch template ${input.LaunchTemplateId} does not exist.`,
        );
      }
      // Oldest first, as EC2 happens to answer; callers must not rely on it.
      const versions = [...template.versions].sort(([a], [b]) => a - b);
      return page(versions, input.MaxResults ?? 200, input.NextToken, (found, NextToken) => ({
        LaunchTemplateVersions: found.map(([number, image]) => ({
          LaunchTemplateId: template.id,
          LaunchTemplateName: template.name,
          VersionNumber: number,
          DefaultVersion: number === template.defaultVersion,
          LaunchTemplateData: {
            ImageId: input.ResolveAlias === true ? this.resolve(image) : image,
          },
        })),
        NextToken,
      }));
    });
    ec2.on(DescribeImageAttributeCommand).callsFake((input) => {
      if (input.Attribute !== 'launchPermission') {
        throw awsError('InvalidParameterValue', `the fake only knows launchPermission`);
      }
      return {
        ImageId: input.ImageId,
        LaunchPermissions: this.launchPermissions.get(input.ImageId) ?? [],
      };
    });
    ssm.on(GetParametersByPathCommand).callsFake((input) => {
      const size = input.MaxResults ?? 10;
      if (size > 10) throw awsError('ValidationException', 'MaxResults must be at most 10.');
      const path: string = input.Path.endsWith('/') ? input.Path : `${input.Path}/`;
      const matching = this.parameters.filter(
        (parameter) =>
          parameter.name.startsWith(path) &&
          (input.Recursive === true || !parameter.name.slice(path.length).includes('/')),
      );
      return page(matching, size, input.NextToken, (found, NextToken) => ({
        Parameters: found.map((parameter) => ({
          Name: parameter.name,
          Value: parameter.value,
          Type: parameter.type ?? 'String',
        })),
        NextToken,
      }));
    });
  }

  /** What EC2 would report for these images and resource types, in a fixed order. */
  private referencesTo(
    imageIds: readonly string[],
    resourceTypes: readonly ResourceTypeRequest[],
  ): ImageReference[] {
    const wanted = new Set(imageIds);
    const option = (type: string, name: string) =>
      resourceTypes
        .find((request) => request.ResourceType === type)
        ?.ResourceTypeOptions?.find((each) => each.OptionName === name)?.OptionValues;
    const asked = (type: string) => resourceTypes.some((request) => request.ResourceType === type);
    const arn = (service: string, resource: string) =>
      `arn:aws:${service}:${REGION}:${SELF}:${resource}`;
    const references: ImageReference[] = [];

    if (asked('ec2:Instance')) {
      const states = option('ec2:Instance', 'state-name') ?? ALL_INSTANCE_STATES;
      for (const instance of this.instances) {
        if (wanted.has(instance.imageId) && states.includes(instance.state)) {
          references.push({
            ImageId: instance.imageId,
            ResourceType: 'ec2:Instance',
            Arn: arn('ec2', `instance/${instance.instanceId}`),
          });
        }
      }
    }
    if (asked('ec2:LaunchTemplate')) {
      const depth = Number(
        option('ec2:LaunchTemplate', 'version-depth')?.[0] ?? DEFAULT_VERSION_DEPTH,
      );
      for (const template of this.launchTemplates) {
        const newest = [...template.versions].sort(([a], [b]) => b - a).slice(0, depth);
        const images = new Set(newest.map(([, image]) => this.resolve(image)));
        for (const imageId of images) {
          if (!wanted.has(imageId)) continue;
          references.push({
            ImageId: imageId,
            ResourceType: 'ec2:LaunchTemplate',
            Arn: arn('ec2', `launch-template/${template.id}`),
          });
        }
      }
    }
    if (asked('ssm:Parameter')) {
      for (const parameter of this.parameters) {
        if (!wanted.has(parameter.value)) continue;
        references.push({
          ImageId: parameter.value,
          ResourceType: 'ssm:Parameter',
          Arn: arn('ssm', `parameter${parameter.name.startsWith('/') ? '' : '/'}${parameter.name}`),
        });
      }
    }
    for (const recipe of this.recipes) {
      const type =
        recipe.kind === 'image' ? 'imagebuilder:ImageRecipe' : 'imagebuilder:ContainerRecipe';
      if (!asked(type) || !wanted.has(recipe.imageId)) continue;
      references.push({
        ImageId: recipe.imageId,
        ResourceType: type,
        Arn: arn('imagebuilder', `${recipe.kind}-recipe/${recipe.name}/1.0.0`),
      });
    }
    return references;
  }

  /** `resolve:ssm:<name>` → the parameter's value, as ResolveAlias shows it. */
  private resolve(image: string): string {
    const prefix = 'resolve:ssm:';
    if (!image.startsWith(prefix)) return image;
    const name = image.slice(prefix.length);
    return this.parameters.find((parameter) => parameter.name === name)?.value ?? image;
  }
}

function page<Item, Output>(
  items: readonly Item[],
  size: number,
  token: string | undefined,
  shape: (items: Item[], nextToken: string | undefined) => Output,
): Output {
  const start = token === undefined ? 0 : Number(token);
  const end = start + size;
  return shape(items.slice(start, end), end < items.length ? String(end) : undefined);
}
