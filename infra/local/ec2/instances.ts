import { type ActionHandler, type Ec2Context, isoTime } from './context';
import { Ec2Error, invalidParameterCombination, invalidParameterValue } from './errors';
import { compileFilters, type FilterFields } from './filters';
import { isWellFormedId, newId } from './ids';
import { resolveLaunchTemplateVersion } from './launch-templates';
import {
  INSTANCE_STATE_CODES,
  type InstanceRecord,
  type InstanceStateName,
  type Volume,
} from './model';
import { checkMaxResults, page } from './pagination';
import type { QueryParams } from './query-params';
import { resolveImageAlias } from './ssm-parameters';
import { tagList } from './store';
import { tagsByResourceType } from './tag-specifications';
import type { XmlObject } from './xml-response';

const INSTANCE_FILTERS: FilterFields<InstanceRecord> = {
  'instance-id': (i) => i.instanceId,
  'instance-state-name': (i) => i.state,
  'instance-state-code': (i) => String(INSTANCE_STATE_CODES[i.state]),
  'instance-type': (i) => i.instanceType,
  'image-id': (i) => i.imageId,
  'reservation-id': (i) => i.reservationId,
  'launch-time': (i) => i.launchTime,
  'block-device-mapping.volume-id': (i) => i.volumes.map((v) => v.volumeId),
};

const MAX_INSTANCES_PER_CALL = 100;

export function renderInstance(context: Ec2Context, instance: InstanceRecord): XmlObject {
  return {
    instanceId: instance.instanceId,
    imageId: instance.imageId,
    instanceState: { code: INSTANCE_STATE_CODES[instance.state], name: instance.state },
    privateDnsName: '',
    dnsName: '',
    reason: instance.stateTransitionReason ?? '',
    amiLaunchIndex: 0,
    productCodes: [],
    instanceType: instance.instanceType,
    launchTime: instance.launchTime,
    placement: { availabilityZone: `${context.region}a`, groupName: '', tenancy: 'default' },
    monitoring: { state: 'disabled' },
    groupSet: [],
    stateReason: instance.stateReason,
    architecture: 'x86_64',
    rootDeviceType: 'ebs',
    rootDeviceName: instance.volumes[0]?.deviceName ?? '/dev/xvda',
    blockDeviceMapping:
      instance.state === 'terminated'
        ? []
        : instance.volumes.map((volume) => ({
            deviceName: volume.deviceName,
            ebs: {
              volumeId: volume.volumeId,
              status: 'attached',
              attachTime: instance.launchTime,
              deleteOnTermination: true,
            },
          })),
    virtualizationType: 'hvm',
    tagSet: tagList(instance.tags),
    hypervisor: 'xen',
    ebsOptimized: false,
    enaSupport: true,
  };
}

/** Looks up instances by id with EC2's malformed/not-found errors (all missing ids named). */
export function findInstances(context: Ec2Context, ids: readonly string[]): InstanceRecord[] {
  const malformed = ids.find((id) => !isWellFormedId('i', id));
  if (malformed !== undefined) {
    throw new Ec2Error('InvalidInstanceID.Malformed', `Invalid id: "${malformed}"`);
  }
  const missing = ids.filter((id) => !context.store.instances.has(id));
  if (missing.length === 1) {
    throw new Ec2Error(
      'InvalidInstanceID.NotFound',
      `The instance ID '${missing[0]}' does not exist`,
    );
  }
  if (missing.length > 1) {
    throw new Ec2Error(
      'InvalidInstanceID.NotFound',
      `The instance IDs '${missing.join(', ')}' do not exist`,
    );
  }
  return ids.map((id) => context.store.instances.get(id) as InstanceRecord);
}

function reservationXml(context: Ec2Context, reservationId: string, instances: XmlObject[]) {
  return {
    reservationId,
    ownerId: context.accountId,
    groupSet: [],
    instancesSet: instances,
  };
}

export const describeInstances: ActionHandler = (context, params) => {
  const ids = params.list('InstanceId');
  const maxResults = checkMaxResults(params.integer('MaxResults'), 5, 1000);
  if (ids.length > 0 && maxResults !== undefined) {
    throw invalidParameterCombination(
      'The parameter instancesSet cannot be used with the parameter maxResults',
    );
  }
  const matches = compileFilters(params.filters(), INSTANCE_FILTERS, (i) => i.tags);
  const source = ids.length > 0 ? findInstances(context, ids) : context.store.instances.values();
  const { items, nextToken } = page(source, matches, {
    action: 'DescribeInstances',
    maxResults,
    nextToken: params.string('NextToken'),
  });
  const reservations = new Map<string, XmlObject[]>();
  for (const instance of items) {
    const list = reservations.get(instance.reservationId) ?? [];
    list.push(renderInstance(context, instance));
    reservations.set(instance.reservationId, list);
  }
  return {
    reservationSet: [...reservations].map(([id, list]) => reservationXml(context, id, list)),
    nextToken,
  };
};

function requestedVolumes(params: QueryParams, defaults: readonly Volume[]): Volume[] {
  const volumes = defaults.map((volume) => ({ ...volume, volumeId: newId('vol') }));
  for (
    let index = 1;
    params.string(`BlockDeviceMapping.${index}.DeviceName`) !== undefined;
    index += 1
  ) {
    const deviceName = params.required(`BlockDeviceMapping.${index}.DeviceName`);
    const size = params.integer(`BlockDeviceMapping.${index}.Ebs.VolumeSize`);
    const existing = volumes.find((volume) => volume.deviceName === deviceName);
    if (existing) existing.sizeGiB = size ?? existing.sizeGiB;
    else volumes.push({ deviceName, volumeId: newId('vol'), sizeGiB: size ?? 8 });
  }
  return volumes;
}

export const runInstances: ActionHandler = (context, params) => {
  const template = resolveTemplateForLaunch(context, params);
  const requested = params.string('ImageId') ?? template?.imageId;
  // EC2 resolves a `resolve:ssm:` alias at launch; the instance records the AMI it found.
  const imageId = resolveImageAlias(requested, context.ssmParameters) ?? requested;
  if (imageId === undefined) {
    throw new Ec2Error('MissingParameter', 'The request must contain the parameter ImageId');
  }
  if (!isWellFormedId('ami', imageId)) {
    throw new Ec2Error('InvalidAMIID.Malformed', `Invalid id: "${imageId}" (expecting "ami-...")`);
  }
  const image = context.store.images.get(imageId);
  if (image === undefined) {
    throw new Ec2Error('InvalidAMIID.NotFound', `The image id '[${imageId}]' does not exist`);
  }
  if (image.state !== 'available') {
    throw new Ec2Error('InvalidAMIID.Unavailable', `The image id '[${imageId}]' is not available`);
  }
  const minCount = params.integer('MinCount') ?? 1;
  const maxCount = params.integer('MaxCount') ?? minCount;
  if (minCount < 1 || maxCount < minCount || maxCount > MAX_INSTANCES_PER_CALL) {
    throw invalidParameterValue(
      `MinCount (${minCount}) and MaxCount (${maxCount}) must satisfy 1 <= MinCount <= MaxCount <= ${MAX_INSTANCES_PER_CALL}`,
    );
  }
  const tags = tagsByResourceType(params.tagSpecifications(), [
    'instance',
    'volume',
    'network-interface',
  ]);
  const reservationId = newId('r');
  const defaults = image.blockDevices.map((device) => ({
    deviceName: device.deviceName,
    volumeId: '',
    sizeGiB: device.sizeGiB,
  }));
  const created: InstanceRecord[] = [];
  for (let n = 0; n < maxCount; n += 1) {
    const instance: InstanceRecord = {
      seq: context.store.nextSeq(),
      instanceId: newId('i'),
      reservationId,
      imageId,
      instanceType: params.string('InstanceType') ?? template?.instanceType ?? 'm1.small',
      state: 'pending',
      launchTime: isoTime(context.nowMs),
      tags: { ...tags.get('instance') },
      volumes: requestedVolumes(params, defaults.length > 0 ? defaults : [rootVolume()]),
      transition: { to: 'running', atMs: context.nowMs + context.instanceTransitionMs },
    };
    context.store.addInstance(instance);
    created.push(instance);
  }
  return reservationXml(
    context,
    reservationId,
    created.map((instance) => renderInstance(context, instance)),
  );
};

function rootVolume(): Volume {
  return { deviceName: '/dev/xvda', volumeId: '', sizeGiB: 8 };
}

function resolveTemplateForLaunch(context: Ec2Context, params: QueryParams) {
  const id = params.string('LaunchTemplate.LaunchTemplateId');
  const name = params.string('LaunchTemplate.LaunchTemplateName');
  if (id === undefined && name === undefined) return undefined;
  return resolveLaunchTemplateVersion(
    context,
    { id, name },
    params.string('LaunchTemplate.Version'),
  ).data;
}

type Transition = (
  instance: InstanceRecord,
  context: Ec2Context,
) =>
  | { state: InstanceStateName; to?: InstanceStateName; apply?: (instance: InstanceRecord) => void }
  | 'invalid';

function stateChange(action: string, transition: Transition): ActionHandler {
  return (context, params) => {
    const ids = params.list('InstanceId');
    if (ids.length === 0) {
      throw new Ec2Error('MissingParameter', 'The request must contain the parameter InstanceId');
    }
    const instances = findInstances(context, ids);
    const planned = instances.map((instance) => ({
      instance,
      change: transition(instance, context),
    }));
    const invalid = planned.find((entry) => entry.change === 'invalid');
    if (invalid) {
      throw new Ec2Error(
        'IncorrectInstanceState',
        `The instance '${invalid.instance.instanceId}' is not in a state from which it can be ${action}.`,
      );
    }
    return {
      instancesSet: planned.map(({ instance, change }) => {
        const previous = instance.state;
        if (change !== 'invalid' && change.state !== previous) {
          change.apply?.(instance);
          instance.state = change.state;
          instance.transition =
            change.to === undefined
              ? undefined
              : { to: change.to, atMs: context.nowMs + context.instanceTransitionMs };
          context.store.watchInstance(instance);
        }
        return {
          instanceId: instance.instanceId,
          currentState: { code: INSTANCE_STATE_CODES[instance.state], name: instance.state },
          previousState: { code: INSTANCE_STATE_CODES[previous], name: previous },
        };
      }),
    };
  };
}

const userInitiated =
  (context: Ec2Context) =>
  (instance: InstanceRecord): void => {
    instance.stateTransitionReason = `User initiated (${new Date(context.nowMs).toISOString().replace('T', ' ').slice(0, 19)} GMT)`;
    instance.stateReason = {
      code: 'Client.UserInitiatedShutdown',
      message: 'Client.UserInitiatedShutdown: User initiated shutdown',
    };
  };

export const startInstances = stateChange('started', (instance) => {
  if (instance.state === 'stopped') {
    const clearReason = (started: InstanceRecord) => {
      started.stateReason = undefined;
      started.stateTransitionReason = '';
    };
    return { state: 'pending', to: 'running', apply: clearReason };
  }
  if (instance.state === 'pending' || instance.state === 'running')
    return { state: instance.state };
  return 'invalid';
});

export const stopInstances = stateChange('stopped', (instance, context) => {
  if (instance.state === 'running' || instance.state === 'pending') {
    return { state: 'stopping', to: 'stopped', apply: userInitiated(context) };
  }
  if (instance.state === 'stopping' || instance.state === 'stopped')
    return { state: instance.state };
  return 'invalid';
});

export const terminateInstances = stateChange('terminated', (instance, context) => {
  if (instance.state === 'shutting-down' || instance.state === 'terminated') {
    return { state: instance.state };
  }
  return { state: 'shutting-down', to: 'terminated', apply: userInitiated(context) };
});
