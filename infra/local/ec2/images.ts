import { type ActionHandler, type Ec2Context, isoTime } from './context';
import { Ec2Error, invalidParameterCombination } from './errors';
import { bool, compileFilters, type FilterFields } from './filters';
import { isWellFormedId, newId } from './ids';
import { findInstances } from './instances';
import type { ImageRecord, SnapshotRecord } from './model';
import { checkMaxResults, page } from './pagination';
import type { QueryParams } from './query-params';
import { tagList } from './store';
import { tagsByResourceType } from './tag-specifications';
import type { XmlObject } from './xml-response';

/**
 * Instance tags that steer the images made from that instance (failure injection):
 * `local:fail-image` — any value but `false` makes the image end `failed` (a value other than
 * `true` becomes its StateReason message); `local:bake-seconds` — seconds the image stays
 * `pending`, overriding the emulator's bake time.
 */
export const FAIL_IMAGE_TAG = 'local:fail-image';
export const BAKE_SECONDS_TAG = 'local:bake-seconds';
/** Snapshot tag: deleting the snapshot fails with an internal error (per-snapshot result too). */
export const FAIL_DELETE_TAG = 'local:fail-delete';

const COOLDOWN_MS = 24 * 60 * 60 * 1000;
const NAME_PATTERN = /^[A-Za-z0-9()[\] ./\-'@_]{3,128}$/;
const OWNER_ALIASES = new Set(['amazon', 'aws-marketplace', 'aws-backup-vault']);

export function protectionValue(image: ImageRecord, nowMs: number): string {
  if (image.deregistrationProtection === 'enabled') {
    return image.protectionCooldown ? 'enabled-with-cooldown' : 'enabled-without-cooldown';
  }
  if (image.protectedUntilMs !== undefined && image.protectedUntilMs > nowMs) {
    return `disabled-until-${isoTime(image.protectedUntilMs)}`;
  }
  return 'disabled';
}

const IMAGE_FILTERS: FilterFields<ImageRecord> = {
  name: (i) => i.name,
  'image-id': (i) => i.imageId,
  state: (i) => i.state,
  'owner-id': (i) => i.ownerId,
  'owner-alias': (i) => i.ownerAlias,
  'is-public': (i) => bool(i.public),
  description: (i) => i.description,
  'creation-date': (i) => i.creationDate,
  'image-type': () => 'machine',
  architecture: () => 'x86_64',
  'root-device-type': () => 'ebs',
  'virtualization-type': () => 'hvm',
  'source-instance-id': (i) => i.sourceInstanceId,
  'block-device-mapping.snapshot-id': (i) => i.blockDevices.map((d) => d.snapshotId),
  'block-device-mapping.device-name': (i) => i.blockDevices.map((d) => d.deviceName),
};

export function renderImage(context: Ec2Context, image: ImageRecord): XmlObject {
  return {
    imageId: image.imageId,
    imageLocation: `${image.ownerAlias ?? image.ownerId}/${image.name}`,
    imageState: image.state,
    imageOwnerId: image.ownerId,
    creationDate: image.creationDate,
    isPublic: image.public,
    architecture: 'x86_64',
    imageType: 'machine',
    name: image.name,
    description: image.description,
    imageOwnerAlias: image.ownerAlias,
    rootDeviceType: 'ebs',
    rootDeviceName: image.blockDevices[0]?.deviceName ?? '/dev/xvda',
    blockDeviceMapping: image.blockDevices.map((device) => ({
      deviceName: device.deviceName,
      ebs: {
        snapshotId: device.snapshotId,
        volumeSize: device.sizeGiB,
        deleteOnTermination: true,
        volumeType: 'gp3',
        encrypted: false,
      },
    })),
    virtualizationType: 'hvm',
    tagSet: tagList(image.tags),
    hypervisor: 'xen',
    enaSupport: true,
    platformDetails: 'Linux/UNIX',
    usageOperation: 'RunInstances',
    stateReason: image.stateReason,
    sourceInstanceId: image.sourceInstanceId,
    deregistrationProtection: protectionValue(image, context.nowMs),
  };
}

function imageNotFound(ids: readonly string[]): Ec2Error {
  return ids.length === 1
    ? new Ec2Error('InvalidAMIID.NotFound', `The image id '[${ids[0]}]' does not exist`)
    : new Ec2Error('InvalidAMIID.NotFound', `The image ids '[${ids.join(', ')}]' do not exist`);
}

export function checkImageIds(ids: readonly string[]): void {
  const malformed = ids.find((id) => !isWellFormedId('ami', id));
  if (malformed !== undefined) {
    throw new Ec2Error(
      'InvalidAMIID.Malformed',
      `Invalid id: "${malformed}" (expecting "ami-...")`,
    );
  }
}

/** An image of this account by id, with EC2's errors for bad, unknown or foreign ids. */
export function ownImage(context: Ec2Context, params: QueryParams): ImageRecord {
  const imageId = params.required('ImageId');
  checkImageIds([imageId]);
  const image = context.store.images.get(imageId);
  if (image === undefined) throw imageNotFound([imageId]);
  if (image.ownerId !== context.accountId) {
    throw new Ec2Error('AuthFailure', `Not authorized for image:${imageId}`);
  }
  return image;
}

function ownerMatcher(context: Ec2Context, owners: readonly string[]) {
  const ids = new Set<string>();
  const aliases = new Set<string>();
  for (const owner of owners) {
    if (owner === 'self') ids.add(context.accountId);
    else if (OWNER_ALIASES.has(owner)) aliases.add(owner);
    else if (/^\d{12}$/.test(owner)) ids.add(owner);
    else throw new Ec2Error('InvalidUserID.Malformed', `Invalid user id: "${owner}"`);
  }
  return (image: ImageRecord) =>
    ids.has(image.ownerId) || (image.ownerAlias !== undefined && aliases.has(image.ownerAlias));
}

export const describeImages: ActionHandler = (context, params) => {
  const ids = params.list('ImageId');
  const owners = params.list('Owner');
  const executableBy = params.list('ExecutableBy');
  const includeDisabled = params.boolean('IncludeDisabled') ?? false;
  const maxResults = checkMaxResults(params.integer('MaxResults'), 6, 1000);
  if (ids.length > 0 && maxResults !== undefined) {
    throw invalidParameterCombination(
      'The parameter ImageIds cannot be used with the parameter MaxResults',
    );
  }
  checkImageIds(ids);
  const matchesFilters = compileFilters(params.filters(), IMAGE_FILTERS, (i) => i.tags);
  const matchesOwner = owners.length > 0 ? ownerMatcher(context, owners) : () => true;
  const publicOnly = executableBy.includes('all') && !executableBy.includes('self');
  const matches = (image: ImageRecord) =>
    (image.ownerId === context.accountId ||
      image.public ||
      image.sharedWith?.includes(context.accountId) === true) &&
    (includeDisabled || image.state !== 'disabled') &&
    (!publicOnly || image.public) &&
    matchesOwner(image) &&
    matchesFilters(image);
  let source: Iterable<ImageRecord> = context.store.images.values();
  if (ids.length > 0) {
    const missing = ids.filter((id) => !context.store.images.has(id));
    if (missing.length > 0) throw imageNotFound(missing);
    source = [...new Set(ids)]
      .map((id) => context.store.images.get(id) as ImageRecord)
      .sort((a, b) => a.seq - b.seq);
  }
  const { items, nextToken } = page(source, matches, {
    action: 'DescribeImages',
    maxResults,
    nextToken: params.string('NextToken'),
  });
  return { imagesSet: items.map((image) => renderImage(context, image)), nextToken };
};

function bakeOf(context: Ec2Context, tags: Readonly<Record<string, string>>) {
  const seconds = tags[BAKE_SECONDS_TAG];
  const parsed = seconds === undefined ? Number.NaN : Number(seconds);
  const bakeMs = Number.isFinite(parsed) && parsed >= 0 ? parsed * 1000 : context.bakeMs;
  const fail = tags[FAIL_IMAGE_TAG];
  const failed = fail !== undefined && fail !== 'false';
  return {
    startMs: context.nowMs,
    endMs: context.nowMs + bakeMs,
    outcome: failed ? ('failed' as const) : ('available' as const),
    reason: failed && fail !== 'true' && fail !== '' ? fail : undefined,
  };
}

export const createImage: ActionHandler = (context, params) => {
  const instanceId = params.required('InstanceId');
  const name = params.required('Name');
  if (!NAME_PATTERN.test(name)) {
    throw new Ec2Error(
      'InvalidAMIName.Malformed',
      "AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '[', ']', ' ', '.', '/', '-', ''', '@' and '_'",
    );
  }
  const [instance] = findInstances(context, [instanceId]);
  if (instance === undefined) throw new Ec2Error('InvalidInstanceID.NotFound', instanceId);
  if (!['running', 'stopping', 'stopped'].includes(instance.state)) {
    throw new Ec2Error(
      'IncorrectInstanceState',
      `The instance '${instanceId}' is not in a state from which it can be imaged.`,
    );
  }
  const taken = context.store.imageByName(context.accountId, name);
  if (taken !== undefined) {
    throw new Ec2Error(
      'InvalidAMIName.Duplicate',
      `AMI name ${name} is already in use by AMI ${taken.imageId}`,
    );
  }
  const tags = tagsByResourceType(params.tagSpecifications(), ['image', 'snapshot']);
  const imageId = newId('ami');
  const startTime = isoTime(context.nowMs);
  const snapshots: SnapshotRecord[] = instance.volumes.map((volume) => ({
    seq: context.store.nextSeq(),
    snapshotId: newId('snap'),
    volumeId: volume.volumeId,
    volumeSizeGiB: volume.sizeGiB,
    ownerId: context.accountId,
    description: `Created by CreateImage(${instanceId}) for ${imageId}`,
    state: 'pending',
    startTime,
    progress: 0,
    tags: { ...tags.get('snapshot') },
    bakingFor: imageId,
  }));
  for (const snapshot of snapshots) context.store.addSnapshot(snapshot);
  context.store.addImage({
    seq: context.store.nextSeq(),
    imageId,
    name,
    description: params.string('Description'),
    ownerId: context.accountId,
    public: false,
    state: 'pending',
    creationDate: startTime,
    tags: { ...tags.get('image') },
    blockDevices: instance.volumes.map((volume, index) => ({
      deviceName: volume.deviceName,
      snapshotId: (snapshots[index] as SnapshotRecord).snapshotId,
      sizeGiB: volume.sizeGiB,
    })),
    sourceInstanceId: instanceId,
    deregistrationProtection: 'disabled',
    bake: bakeOf(context, instance.tags),
  });
  return { imageId };
};

type SnapshotReturnCode = 'success' | 'skipped' | 'internal-error' | 'client-error';

export const deregisterImage: ActionHandler = (context, params) => {
  const image = ownImage(context, params);
  if (protectionValue(image, context.nowMs) !== 'disabled') {
    throw new Ec2Error(
      'OperationNotPermitted',
      `The image ${image.imageId} cannot be deregistered because deregistration protection is enabled.`,
    );
  }
  const deleteSnapshots = params.boolean('DeleteAssociatedSnapshots') ?? false;
  context.store.removeImage(image);
  const results = deleteSnapshots
    ? image.blockDevices.map(({ snapshotId }) => {
        const returnCode = deleteAssociatedSnapshot(context, snapshotId);
        return { snapshotId, returnCode };
      })
    : undefined;
  context.store.reportImageStateChange({
    imageId: image.imageId,
    ownerId: image.ownerId,
    state: 'deregistered',
    errorMessage: '',
    atMs: context.nowMs,
  });
  return results === undefined
    ? { return: true }
    : { return: true, deleteSnapshotResultSet: results };
};

function deleteAssociatedSnapshot(context: Ec2Context, snapshotId: string): SnapshotReturnCode {
  if (context.store.imagesUsingSnapshot(snapshotId).size > 0) return 'skipped';
  const snapshot = context.store.snapshots.get(snapshotId);
  if (snapshot === undefined) return 'client-error';
  if (Object.hasOwn(snapshot.tags, FAIL_DELETE_TAG)) return 'internal-error';
  context.store.removeSnapshot(snapshotId);
  return 'success';
}

export const enableImageDeregistrationProtection: ActionHandler = (context, params) => {
  const image = ownImage(context, params);
  image.deregistrationProtection = 'enabled';
  image.protectionCooldown = params.boolean('WithCooldown') ?? false;
  image.protectedUntilMs = undefined;
  return { return: 'true' };
};

export const disableImageDeregistrationProtection: ActionHandler = (context, params) => {
  const image = ownImage(context, params);
  if (image.deregistrationProtection === 'enabled' && image.protectionCooldown) {
    image.protectedUntilMs = context.nowMs + COOLDOWN_MS;
  }
  image.deregistrationProtection = 'disabled';
  image.protectionCooldown = undefined;
  return { return: 'true' };
};
