import type {
  Ec2State,
  ImageRecord,
  ImageStateChange,
  InstanceRecord,
  LaunchTemplateRecord,
  SnapshotRecord,
  Tags,
} from './model';

export type TaggableResource =
  | { type: 'instance'; record: InstanceRecord }
  | { type: 'image'; record: ImageRecord }
  | { type: 'snapshot'; record: SnapshotRecord }
  | { type: 'launch-template'; record: LaunchTemplateRecord };

/**
 * The records with the indexes that keep every request cheap at 10,000s of images: names per
 * owner (duplicate check), the images using each snapshot (in-use and skipped checks) and the
 * sets of records whose state changes with time. Each map iterates in sequence-number order
 * (records are inserted as they get their number), which pagination relies on.
 */
export class Ec2Store {
  seq = 0;
  readonly instances = new Map<string, InstanceRecord>();
  readonly images = new Map<string, ImageRecord>();
  readonly snapshots = new Map<string, SnapshotRecord>();
  readonly launchTemplates = new Map<string, LaunchTemplateRecord>();
  /** Actions answered `UnauthorizedOperation` (a fixture's `unsupportedActions`). */
  readonly refusedActions = new Set<string>();
  private readonly imageNames = new Map<string, string>();
  private readonly snapshotUsers = new Map<string, Set<string>>();
  private readonly launchTemplateNames = new Map<string, string>();
  private readonly baking = new Set<string>();
  private readonly changingInstances = new Set<string>();

  constructor(
    private readonly terminatedVisibleMs: number,
    private readonly onImageStateChange?: (change: ImageStateChange) => void,
  ) {}

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  addInstance(record: InstanceRecord): void {
    this.instances.set(record.instanceId, record);
    if (record.transition !== undefined || record.vanishAtMs !== undefined) {
      this.changingInstances.add(record.instanceId);
    }
  }

  /** Marks an instance as changing with time (a transition started or it was terminated). */
  watchInstance(record: InstanceRecord): void {
    this.changingInstances.add(record.instanceId);
  }

  addImage(record: ImageRecord): void {
    this.images.set(record.imageId, record);
    this.imageNames.set(nameKey(record.ownerId, record.name), record.imageId);
    for (const device of record.blockDevices) {
      let users = this.snapshotUsers.get(device.snapshotId);
      if (users === undefined) {
        users = new Set();
        this.snapshotUsers.set(device.snapshotId, users);
      }
      users.add(record.imageId);
    }
    if (record.bake !== undefined) this.baking.add(record.imageId);
  }

  removeImage(record: ImageRecord): void {
    this.images.delete(record.imageId);
    this.imageNames.delete(nameKey(record.ownerId, record.name));
    for (const device of record.blockDevices) {
      const users = this.snapshotUsers.get(device.snapshotId);
      users?.delete(record.imageId);
      if (users?.size === 0) this.snapshotUsers.delete(device.snapshotId);
    }
    this.baking.delete(record.imageId);
  }

  /** Passes an image's state change on to whoever listens (the service queues them). */
  reportImageStateChange(change: ImageStateChange): void {
    this.onImageStateChange?.(change);
  }

  /** The earliest end among the bakes still running: when `settle` next has an image to finish. */
  nextBakeEndMs(): number | undefined {
    let earliest: number | undefined;
    for (const imageId of this.baking) {
      const endMs = this.images.get(imageId)?.bake?.endMs;
      if (endMs !== undefined && (earliest === undefined || endMs < earliest)) earliest = endMs;
    }
    return earliest;
  }

  imageByName(ownerId: string, name: string): ImageRecord | undefined {
    const id = this.imageNames.get(nameKey(ownerId, name));
    return id === undefined ? undefined : this.images.get(id);
  }

  /** Ids of the registered images whose block devices use the snapshot. */
  imagesUsingSnapshot(snapshotId: string): ReadonlySet<string> {
    return this.snapshotUsers.get(snapshotId) ?? new Set();
  }

  addSnapshot(record: SnapshotRecord): void {
    this.snapshots.set(record.snapshotId, record);
  }

  removeSnapshot(snapshotId: string): void {
    this.snapshots.delete(snapshotId);
  }

  addLaunchTemplate(record: LaunchTemplateRecord): void {
    this.launchTemplates.set(record.launchTemplateId, record);
    this.launchTemplateNames.set(record.name, record.launchTemplateId);
  }

  launchTemplateByName(name: string): LaunchTemplateRecord | undefined {
    const id = this.launchTemplateNames.get(name);
    return id === undefined ? undefined : this.launchTemplates.get(id);
  }

  taggable(id: string): TaggableResource | undefined {
    const instance = this.instances.get(id);
    if (instance) return { type: 'instance', record: instance };
    const image = this.images.get(id);
    if (image) return { type: 'image', record: image };
    const snapshot = this.snapshots.get(id);
    if (snapshot) return { type: 'snapshot', record: snapshot };
    const template = this.launchTemplates.get(id);
    if (template) return { type: 'launch-template', record: template };
    return undefined;
  }

  /** Every taggable resource in sequence order (DescribeTags pages through them). */
  allTaggable(): TaggableResource[] {
    const all: TaggableResource[] = [];
    for (const record of this.instances.values()) all.push({ type: 'instance', record });
    for (const record of this.images.values()) all.push({ type: 'image', record });
    for (const record of this.snapshots.values()) all.push({ type: 'snapshot', record });
    for (const record of this.launchTemplates.values()) {
      all.push({ type: 'launch-template', record });
    }
    return all.sort((a, b) => a.record.seq - b.record.seq);
  }

  /**
   * Applies every change due by `nowMs`: images finish baking (and their snapshots complete),
   * instances finish transitions, terminated instances vanish. Work is proportional to the
   * records actually changing, not to the store's size.
   */
  settle(nowMs: number): void {
    for (const imageId of this.baking) {
      const image = this.images.get(imageId);
      if (image?.bake === undefined) {
        this.baking.delete(imageId);
        continue;
      }
      if (image.bake.endMs > nowMs) continue;
      this.finishBake(image);
    }
    for (const instanceId of this.changingInstances) {
      const instance = this.instances.get(instanceId);
      if (instance === undefined) {
        this.changingInstances.delete(instanceId);
        continue;
      }
      if (instance.transition !== undefined && instance.transition.atMs <= nowMs) {
        const { to, atMs } = instance.transition;
        instance.state = to;
        instance.transition = undefined;
        if (to === 'terminated') instance.vanishAtMs = atMs + this.terminatedVisibleMs;
      }
      if (instance.vanishAtMs !== undefined && instance.vanishAtMs <= nowMs) {
        this.instances.delete(instanceId);
      }
      if (instance.transition === undefined && instance.vanishAtMs === undefined) {
        this.changingInstances.delete(instanceId);
      }
    }
  }

  private finishBake(image: ImageRecord): void {
    const bake = image.bake;
    if (bake === undefined) return;
    const completedAt = new Date(bake.endMs).toISOString();
    image.state = bake.outcome;
    if (bake.outcome === 'failed') {
      image.stateReason = {
        code: 'Server.InternalError',
        message: bake.reason ?? 'Internal error',
      };
    }
    for (const device of image.blockDevices) {
      const snapshot = this.snapshots.get(device.snapshotId);
      if (snapshot?.bakingFor !== image.imageId) continue;
      snapshot.bakingFor = undefined;
      if (bake.outcome === 'failed') {
        snapshot.state = 'error';
        snapshot.stateMessage = bake.reason ?? 'Internal error';
      } else {
        snapshot.state = 'completed';
        snapshot.progress = 100;
        snapshot.completionTime = completedAt;
      }
    }
    image.bake = undefined;
    this.baking.delete(image.imageId);
    this.reportImageStateChange({
      imageId: image.imageId,
      ownerId: image.ownerId,
      state: bake.outcome,
      errorMessage: bake.outcome === 'failed' ? (image.stateReason?.message ?? '') : '',
      atMs: bake.endMs,
    });
  }

  /** Percent done of a snapshot, as EC2 reports it while the image bakes. */
  snapshotProgress(snapshot: SnapshotRecord, nowMs: number): number {
    if (snapshot.state !== 'pending' || snapshot.bakingFor === undefined) {
      return snapshot.progress;
    }
    const bake = this.images.get(snapshot.bakingFor)?.bake;
    if (bake === undefined) return snapshot.progress;
    const span = Math.max(1, bake.endMs - bake.startMs);
    return Math.min(99, Math.max(0, Math.floor(((nowMs - bake.startMs) / span) * 100)));
  }

  toState(): Ec2State {
    return structuredClone({
      format: 'ami-lifecycle.local-ec2',
      version: 1,
      seq: this.seq,
      instances: [...this.instances.values()],
      images: [...this.images.values()],
      snapshots: [...this.snapshots.values()],
      launchTemplates: [...this.launchTemplates.values()],
      ...(this.refusedActions.size > 0 ? { unsupportedActions: [...this.refusedActions] } : {}),
    });
  }

  load(state: Ec2State): void {
    const bySeq = <T extends { seq: number }>(records: T[]): T[] =>
      [...records].sort((a, b) => a.seq - b.seq);
    const copy = structuredClone(state);
    this.seq = copy.seq;
    for (const record of bySeq(copy.instances)) this.addInstance(record);
    for (const record of bySeq(copy.snapshots)) this.addSnapshot(record);
    for (const record of bySeq(copy.images)) this.addImage(record);
    for (const record of bySeq(copy.launchTemplates)) this.addLaunchTemplate(record);
    for (const action of copy.unsupportedActions ?? []) this.refusedActions.add(action);
  }
}

function nameKey(ownerId: string, name: string): string {
  return `${ownerId}\n${name}`;
}

export function tagList(tags: Tags): { key: string; value: string }[] | undefined {
  const keys = Object.keys(tags);
  if (keys.length === 0) return undefined;
  return keys.map((key) => ({ key, value: tags[key] ?? '' }));
}
