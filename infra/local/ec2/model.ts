/**
 * The emulator's records. They are plain JSON values so the whole state can be written to disk
 * and read back (`Ec2State`); times are ISO-8601 strings, deadlines epoch milliseconds.
 */
export type Tags = Record<string, string>;

export type InstanceStateName =
  | 'pending'
  | 'running'
  | 'shutting-down'
  | 'terminated'
  | 'stopping'
  | 'stopped';

export const INSTANCE_STATE_CODES: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export type ImageStateName =
  | 'pending'
  | 'available'
  | 'invalid'
  | 'deregistered'
  | 'transient'
  | 'failed'
  | 'error'
  | 'disabled';

export type SnapshotStateName = 'pending' | 'completed' | 'error' | 'recoverable' | 'recovering';

export type StateReason = {
  code: string;
  message: string;
};

export interface Volume {
  deviceName: string;
  volumeId: string;
  sizeGiB: number;
}

export interface InstanceRecord {
  seq: number;
  instanceId: string;
  reservationId: string;
  imageId: string;
  instanceType: string;
  state: InstanceStateName;
  launchTime: string;
  tags: Tags;
  volumes: Volume[];
  /** Where a transitional state (pending, stopping, shutting-down) ends, and when. */
  transition?: { to: InstanceStateName; atMs: number };
  /** Terminated instances stay visible for a while, as on EC2, then vanish at this time. */
  vanishAtMs?: number;
  stateReason?: StateReason;
  stateTransitionReason?: string;
}

export interface ImageBlockDevice {
  deviceName: string;
  snapshotId: string;
  sizeGiB: number;
}

export interface ImageRecord {
  seq: number;
  imageId: string;
  name: string;
  description?: string;
  ownerId: string;
  ownerAlias?: string;
  public: boolean;
  state: ImageStateName;
  creationDate: string;
  tags: Tags;
  blockDevices: ImageBlockDevice[];
  sourceInstanceId?: string;
  deregistrationProtection: 'enabled' | 'disabled';
  /** Enabled "with cooldown": protection lasts 24 h after it is disabled. */
  protectionCooldown?: boolean;
  /** Epoch ms until which a disabled-with-cooldown protection still blocks deregistration. */
  protectedUntilMs?: number;
  stateReason?: StateReason;
  /** Accounts the image is shared with (launch permissions by user id); `public` is `Group=all`. */
  sharedWith?: string[];
  /** While pending: when the image leaves `pending`, and for which state. */
  bake?: { startMs: number; endMs: number; outcome: 'available' | 'failed'; reason?: string };
}

/**
 * An image reaching a state EC2 announces with its `EC2 AMI State Change` event: the end of a
 * bake, or a deregistration.
 */
export interface ImageStateChange {
  imageId: string;
  ownerId: string;
  state: 'available' | 'failed' | 'deregistered';
  /** The StateReason message of a failed image; empty otherwise. */
  errorMessage: string;
  /** When it happened by the emulator's clock: the bake's end, or the DeregisterImage request. */
  atMs: number;
}

export interface SnapshotRecord {
  seq: number;
  snapshotId: string;
  volumeId: string;
  volumeSizeGiB: number;
  ownerId: string;
  description: string;
  state: SnapshotStateName;
  stateMessage?: string;
  startTime: string;
  completionTime?: string;
  /** Progress of a completed or failed snapshot; pending ones compute theirs from their image. */
  progress: number;
  tags: Tags;
  /** The image whose bake drives this snapshot's progress while it is pending. */
  bakingFor?: string;
}

export interface LaunchTemplateData {
  imageId?: string;
  instanceType?: string;
}

export interface LaunchTemplateVersionRecord {
  versionNumber: number;
  description?: string;
  createTime: string;
  data: LaunchTemplateData;
}

export interface LaunchTemplateRecord {
  seq: number;
  launchTemplateId: string;
  name: string;
  createTime: string;
  createdBy: string;
  defaultVersion: number;
  tags: Tags;
  versions: LaunchTemplateVersionRecord[];
}

/** Everything the emulator knows; `snapshotState()` returns it, `loadState()` takes it back. */
export interface Ec2State {
  format: 'ami-lifecycle.local-ec2';
  version: 1;
  /** The last sequence number given out; pagination tokens are sequence numbers. */
  seq: number;
  instances: InstanceRecord[];
  images: ImageRecord[];
  snapshots: SnapshotRecord[];
  launchTemplates: LaunchTemplateRecord[];
  /** Actions this EC2 refuses with `UnauthorizedOperation`, as an account without permission. */
  unsupportedActions?: string[];
}
