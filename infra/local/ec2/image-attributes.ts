import type { ActionHandler, Ec2Context } from './context';
import { Ec2Error, invalidParameterValue, missingParameter } from './errors';
import { ownImage, protectionValue } from './images';
import type { ImageRecord } from './model';
import type { QueryParams } from './query-params';
import type { XmlObject } from './xml-response';

/** Who may launch an image: one account, or everyone (`Group=all`, a public image). */
type LaunchPermission = { userId: string } | { group: 'all' };

const ACCOUNT_ID = /^\d{12}$/;

/** Attributes EC2 has that this emulation does not keep; asking for one is an honest error. */
const NOT_EMULATED = new Set([
  'kernel',
  'ramdisk',
  'productCodes',
  'sriovNetSupport',
  'bootMode',
  'tpmSupport',
  'uefiData',
  'lastLaunchedTime',
  'imdsSupport',
]);

/** Who besides the owner may launch the image, as EC2 lists it. */
export function launchPermissionsOf(image: ImageRecord): LaunchPermission[] {
  return [
    ...(image.public ? [{ group: 'all' as const }] : []),
    ...(image.sharedWith ?? []).map((userId) => ({ userId })),
  ];
}

function describeAttribute(context: Ec2Context, image: ImageRecord, attribute: string): XmlObject {
  switch (attribute) {
    case 'launchPermission':
      return { launchPermission: launchPermissionsOf(image) };
    case 'description':
      return { description: { value: image.description } };
    case 'deregistrationProtection':
      return { deregistrationProtection: { value: protectionValue(image, context.nowMs) } };
    case 'blockDeviceMapping':
      return {
        blockDeviceMapping: image.blockDevices.map((device) => ({
          deviceName: device.deviceName,
          ebs: { snapshotId: device.snapshotId, volumeSize: device.sizeGiB },
        })),
      };
    default:
      if (NOT_EMULATED.has(attribute)) {
        throw invalidParameterValue(`The attribute ${attribute} is not emulated locally.`);
      }
      throw invalidParameterValue(
        `Value (${attribute}) for parameter attribute is invalid. Unknown attribute.`,
      );
  }
}

export const describeImageAttribute: ActionHandler = (context, params) => {
  const attribute = params.required('Attribute');
  const image = ownImage(context, params);
  return { imageId: image.imageId, ...describeAttribute(context, image, attribute) };
};

function checkedPermission(userId: string | undefined, group: string | undefined) {
  if (userId !== undefined) {
    if (!ACCOUNT_ID.test(userId)) {
      throw new Ec2Error(
        'InvalidAMIAttributeItemValue',
        `Invalid attribute item value "${userId}" for userId item type.`,
      );
    }
    return { userId };
  }
  if (group !== undefined) {
    if (group !== 'all') {
      throw new Ec2Error(
        'InvalidAMIAttributeItemValue',
        `Invalid attribute item value "${group}" for group item type.`,
      );
    }
    return { group: 'all' as const };
  }
  throw invalidParameterValue('A launch permission needs a UserId or a Group.');
}

/**
 * The launch permissions a request adds and removes, in either of EC2's two forms:
 * `LaunchPermission.Add.N.UserId` / `.Group` (and `.Remove`), or `Attribute=launchPermission`
 * with `OperationType` and `UserId.N` / `UserGroup.N`.
 */
function permissionChanges(params: QueryParams): {
  add: LaunchPermission[];
  remove: LaunchPermission[];
} {
  const structured = (operation: 'Add' | 'Remove') =>
    params.indexes(`LaunchPermission.${operation}`).map((index) => {
      const prefix = `LaunchPermission.${operation}.${index}`;
      if (
        params.has(`${prefix}.OrganizationArn`) ||
        params.has(`${prefix}.OrganizationalUnitArn`)
      ) {
        throw invalidParameterValue('Sharing with organizations is not emulated locally.');
      }
      return checkedPermission(params.string(`${prefix}.UserId`), params.string(`${prefix}.Group`));
    });
  const add = structured('Add');
  const remove = structured('Remove');
  if (params.string('Attribute') === 'launchPermission') {
    const operation = params.required('OperationType');
    if (operation !== 'add' && operation !== 'remove') {
      throw invalidParameterValue(`Value (${operation}) for parameter OperationType is invalid.`);
    }
    const listed = [
      ...params.list('UserId').map((userId) => checkedPermission(userId, undefined)),
      ...params.list('UserGroup').map((group) => checkedPermission(undefined, group)),
    ];
    (operation === 'add' ? add : remove).push(...listed);
  }
  return { add, remove };
}

export const modifyImageAttribute: ActionHandler = (context, params) => {
  const image = ownImage(context, params);
  const attribute = params.string('Attribute');
  if (attribute !== undefined && attribute !== 'launchPermission' && attribute !== 'description') {
    throw invalidParameterValue(`Value (${attribute}) for parameter attribute is invalid.`);
  }
  const description =
    params.string('Description.Value') ??
    (attribute === 'description' ? params.string('Value') : undefined);
  const { add, remove } = permissionChanges(params);
  if (description === undefined && add.length === 0 && remove.length === 0) {
    throw missingParameter('LaunchPermission or Description');
  }
  const shared = new Set(image.sharedWith ?? []);
  let isPublic = image.public;
  for (const permission of add) {
    if ('userId' in permission) shared.add(permission.userId);
    else isPublic = true;
  }
  for (const permission of remove) {
    if ('userId' in permission) shared.delete(permission.userId);
    else isPublic = false;
  }
  image.public = isPublic;
  image.sharedWith = shared.size > 0 ? [...shared] : undefined;
  if (description !== undefined) image.description = description;
  return { return: true };
};
