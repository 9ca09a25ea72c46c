// Test support: an in-memory EC2 account behind aws-sdk-client-mock, answering the calls the
// janitor makes with EC2's filters, pagination and DeregisterImage semantics.
import {
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImageReferencesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type EC2Client,
  type Filter,
  type Image,
  type ImageState,
  type LaunchTemplateVersion,
  type Tag,
} from '@aws-sdk/client-ec2';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { TAG } from '../shared/tags';
import type { DeployImage } from './deploy-image';

export const SELF = '111122223333';
export const NOW = new Date('2025-06-20T03:00:00.000Z');
const DAY_MS = 86_400_000;

export interface FakeInstance {
  readonly instanceId: string;
  readonly imageId: string;
  readonly state: string;
}

let counter = 0;
/** Unique, valid EC2-style ids (17 hex digits). */
export function nextId(prefix: 'ami' | 'snap' | 'i'): string {
  counter += 1;
  return `${prefix}-${counter.toString(16).padStart(17, '0')}`;
}

export interface ImageSpec {
  readonly instanceName: string;
  readonly ageDays: number;
  readonly state?: ImageState;
  /** `provenance` (default): tagged by this system; `seed`: name pattern only. */
  readonly madeBy?: 'provenance' | 'seed';
  readonly reason?: string | null;
  readonly ownerId?: string;
  readonly protection?: string;
  readonly retain?: boolean;
  readonly snapshotIds?: readonly string[];
  readonly imageId?: string;
  readonly name?: string;
  /** Tagged as AWS Backup tags the images it creates (`aws:backup:source-resource`). */
  readonly awsBackup?: boolean;
}

/** A Deploy AMI as the janitor reduces it (`DeployImage`), for tests of the rules alone. */
export function deployImageFacts(
  overrides: Partial<DeployImage> & { ageDays: number },
): DeployImage {
  const { ageDays, ...rest } = overrides;
  return {
    imageId: nextId('ami'),
    imageName: undefined,
    instanceName: 'service-api',
    createdAt: new Date(NOW.getTime() - ageDays * DAY_MS).toISOString(),
    state: 'available',
    deregistrationProtected: false,
    retainTagged: false,
    awsBackupManaged: false,
    snapshotIds: [],
    ...rest,
  };
}

/** A Deploy AMI as DescribeImages returns it. */
export function deployImage(spec: ImageSpec): Image {
  const created = new Date(NOW.getTime() - spec.ageDays * DAY_MS);
  const stamp = created.toISOString().slice(0, 16).replace('T', '_').replace(':', '_');
  const name = spec.name ?? `${spec.instanceName}-Deploy-${stamp}`;
  const tags: Tag[] = [{ Key: TAG.name, Value: name }];
  if (spec.reason !== null) tags.push({ Key: TAG.reason, Value: spec.reason ?? 'Deploy' });
  if ((spec.madeBy ?? 'provenance') === 'provenance') {
    tags.push({ Key: TAG.instanceName, Value: spec.instanceName });
  }
  if (spec.retain) tags.push({ Key: TAG.retain, Value: 'incident-4711' });
  if (spec.awsBackup) {
    tags.push({ Key: 'aws:backup:source-resource', Value: 'i-0123456789abcdef0:backup-plan' });
  }
  const snapshotIds = spec.snapshotIds ?? [nextId('snap')];
  return {
    ImageId: spec.imageId ?? nextId('ami'),
    Name: name,
    OwnerId: spec.ownerId ?? SELF,
    State: spec.state ?? 'available',
    CreationDate: created.toISOString(),
    DeregistrationProtection: spec.protection ?? 'disabled',
    Tags: tags,
    BlockDeviceMappings: snapshotIds.map((snapshotId, index) => ({
      DeviceName: `/dev/xvd${String.fromCharCode(97 + index)}`,
      Ebs: { SnapshotId: snapshotId, VolumeSize: 8 },
    })),
  };
}

export class FakeEc2Account {
  images: Image[] = [];
  instances: FakeInstance[] = [];
  /** Only the `$Default` and `$Latest` versions matter to the janitor. */
  launchTemplateVersions: LaunchTemplateVersion[] = [];
  /** Image id → error name DeregisterImage answers with. */
  readonly failures = new Map<string, string>();
  /** Every image id DeregisterImage was asked to delete, in order (repeats included). */
  readonly deregistered: string[] = [];
  /** Answers the next N DeregisterImage calls with RequestLimitExceeded. */
  throttleNext = 0;
  /** SSM parameters naming an image: parameter name → image id. */
  readonly parameters = new Map<string, string>();
  /** Image id → accounts it is shared with. */
  readonly sharedWith = new Map<string, string[]>();
  /** DescribeImageReferences answers UnauthorizedOperation, as without its permission. */
  refuseReferenceChecks = false;
  /** Called after each image DeregisterImage deleted, e.g. to change the account meanwhile. */
  onDeregister: ((imageId: string) => void) | undefined;

  install(ec2: AwsClientStub<EC2Client>): void {
    ec2.on(DescribeImagesCommand).callsFake((input) => {
      const wanted: string[] | undefined = input.ImageIds;
      const unknown = wanted?.find((id) => !this.images.some((image) => image.ImageId === id));
      if (unknown !== undefined) {
        throw awsError('InvalidAMIID.NotFound', `The image id '[${unknown}]' does not exist`);
      }
      const matching = this.images.filter(
        (image) =>
          (wanted?.includes(image.ImageId ?? '') ?? true) &&
          (input.Owners ?? []).every(
            (owner: string) => owner === 'self' && image.OwnerId === SELF,
          ) &&
          matchesFilters(image, input.Filters ?? []),
      );
      return page(matching, input.MaxResults ?? 1000, input.NextToken, (Images, NextToken) => ({
        Images,
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
    ec2.on(DescribeLaunchTemplatesCommand).callsFake((input) => {
      const ids = [...new Set(this.launchTemplateVersions.map((v) => v.LaunchTemplateId ?? ''))];
      return page(ids, input.MaxResults ?? 200, input.NextToken, (found, NextToken) => ({
        LaunchTemplates: found.map((LaunchTemplateId) => ({
          LaunchTemplateId,
          LaunchTemplateName: this.launchTemplateVersions.find(
            (version) => version.LaunchTemplateId === LaunchTemplateId,
          )?.LaunchTemplateName,
        })),
        NextToken,
      }));
    });
    ec2.on(DescribeLaunchTemplateVersionsCommand).callsFake((input) =>
      page(
        this.launchTemplateVersions.filter(
          (version) =>
            input.LaunchTemplateId === undefined ||
            version.LaunchTemplateId === input.LaunchTemplateId,
        ),
        input.MaxResults ?? 200,
        input.NextToken,
        (LaunchTemplateVersions, NextToken) => ({ LaunchTemplateVersions, NextToken }),
      ),
    );
    ec2.on(DescribeImageReferencesCommand).callsFake((input) => {
      if (this.refuseReferenceChecks) {
        throw awsError(
          'UnauthorizedOperation',
          'You are not authorized to perform this operation.',
        );
      }
      const wanted = new Set<string>(input.ImageIds ?? []);
      const arn = (kind: string, id: string) => `arn:aws:ec2:ap-northeast-2:${SELF}:${kind}/${id}`;
      const references = [
        ...this.instances
          .filter((instance) => instance.state !== 'terminated' && wanted.has(instance.imageId))
          .map((instance) => ({
            ImageId: instance.imageId,
            ResourceType: 'ec2:Instance' as const,
            Arn: arn('instance', instance.instanceId),
          })),
        ...this.launchTemplateVersions
          .filter((version) => wanted.has(version.LaunchTemplateData?.ImageId ?? ''))
          .map((version) => ({
            ImageId: version.LaunchTemplateData?.ImageId,
            ResourceType: 'ec2:LaunchTemplate' as const,
            Arn: arn('launch-template', version.LaunchTemplateId ?? 'lt-0'),
          })),
        ...[...this.parameters]
          .filter(([, imageId]) => wanted.has(imageId))
          .map(([name, imageId]) => ({
            ImageId: imageId,
            ResourceType: 'ssm:Parameter' as const,
            Arn: `arn:aws:ssm:ap-northeast-2:${SELF}:parameter${name}`,
          })),
      ];
      return { ImageReferences: references };
    });
    ec2.on(DescribeImageAttributeCommand).callsFake((input) => ({
      ImageId: input.ImageId,
      LaunchPermissions: (this.sharedWith.get(input.ImageId) ?? []).map((UserId) => ({ UserId })),
    }));
    ec2.on(DeregisterImageCommand).callsFake((input) => {
      const imageId: string = input.ImageId;
      if (this.throttleNext > 0) {
        this.throttleNext -= 1;
        throw awsError('RequestLimitExceeded', 'Request limit exceeded.');
      }
      this.deregistered.push(imageId);
      const failure = this.failures.get(imageId);
      if (failure !== undefined)
        throw awsError(failure, `The image ${imageId} cannot be deregistered.`);
      const image = this.images.find((candidate) => candidate.ImageId === imageId);
      if (image === undefined)
        throw awsError('InvalidAMIID.NotFound', `The image id '[${imageId}]' does not exist`);
      this.images = this.images.filter((candidate) => candidate !== image);
      this.onDeregister?.(imageId);
      const stillUsed = new Set(this.images.flatMap(snapshotsOf));
      return {
        Return: true,
        DeleteSnapshotResults: input.DeleteAssociatedSnapshots
          ? snapshotsOf(image).map((SnapshotId) => ({
              SnapshotId,
              ReturnCode: stillUsed.has(SnapshotId) ? 'skipped' : 'success',
            }))
          : undefined,
      };
    });
  }
}

export function awsError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

function snapshotsOf(image: Image): string[] {
  return (image.BlockDeviceMappings ?? []).flatMap((mapping) =>
    mapping.Ebs?.SnapshotId === undefined ? [] : [mapping.Ebs.SnapshotId],
  );
}

function matchesFilters(image: Image, filters: readonly Filter[]): boolean {
  return filters.every((filter) => {
    const values = filter.Values ?? [];
    if (filter.Name === 'name')
      return values.some((value) => wildcard(value).test(image.Name ?? ''));
    if (filter.Name?.startsWith('tag:')) {
      const key = filter.Name.slice(4);
      return (image.Tags ?? []).some((tag) => tag.Key === key && values.includes(tag.Value ?? ''));
    }
    throw new Error(`the fake does not know filter ${filter.Name}`);
  });
}

function wildcard(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replaceAll('*', '.*').replaceAll('?', '.')}$`);
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
