import type { PurgeSkipReason } from '../../events/ami-purged.v1';
import type { CandidateKey } from './cursor';
import { compareKeys } from './cursor';
import type { DeployImage } from './deploy-image';

const DAY_MS = 86_400_000;

/** States in which an image is finished; pending or transient images are never touched. */
const SETTLED_STATES = new Set(['available', 'failed', 'error', 'invalid']);

export interface SelectionSettings {
  /** The run's clock reading; every part of a run judges age against the same instant. */
  readonly now: Date;
  readonly retentionDays: number;
  readonly keepLatest: number;
}

export interface KeepVerdict {
  readonly reason: PurgeSkipReason;
  readonly detail?: string;
}

/** An expired Deploy image, and why it is kept when a rule that needs no lookup says so. */
export interface Candidate {
  readonly key: CandidateKey;
  readonly image: DeployImage;
  readonly ageDays: number;
  readonly kept: KeepVerdict | undefined;
}

/**
 * The expired Deploy images of the given set, in the run's deterministic order. An image is a
 * candidate when it is settled and older than the retention; it is kept when it is among the
 * newest `keepLatest` *available* images of its name (a pending or failed replacement never
 * lets the last good one go), carries the operator's retention tag, is protected from
 * deregistration, or is managed by AWS Backup. Whether instances or launch templates use it is
 * judged by `keptForUse`.
 */
export function selectExpiredImages(
  images: readonly DeployImage[],
  { now, retentionDays, keepLatest }: SelectionSettings,
): Candidate[] {
  const newest = newestAvailablePerName(images, keepLatest);
  const cutoffMs = expiryCutoffMs(now, retentionDays);
  return images
    .filter((image) => isExpired(image, cutoffMs))
    .map((image) => toCandidate(image, now, newest, keepLatest))
    .sort((a, b) => compareKeys(a.key, b.key));
}

/** Images created before this instant (epoch ms) are older than the retention. */
export function expiryCutoffMs(now: Date, retentionDays: number): number {
  return now.getTime() - retentionDays * DAY_MS;
}

/** Settled and older than the retention: a candidate, whether or not a rule then keeps it. */
export function isExpired(image: DeployImage, cutoffMs: number): boolean {
  return SETTLED_STATES.has(image.state) && Date.parse(image.createdAt) < cutoffMs;
}

/**
 * An expired image as a candidate, with the verdict of the rules that need no lookup;
 * `newest` holds the ids of the newest `keepLatest` available images of every name.
 */
export function toCandidate(
  image: DeployImage,
  now: Date,
  newest: ReadonlySet<string>,
  keepLatest: number,
): Candidate {
  return {
    key: { instanceName: image.instanceName, createdAt: image.createdAt, imageId: image.imageId },
    image,
    ageDays: (now.getTime() - Date.parse(image.createdAt)) / DAY_MS,
    kept: keptByImage(image, newest, keepLatest),
  };
}

function keptByImage(
  image: DeployImage,
  newest: ReadonlySet<string>,
  keepLatest: number,
): KeepVerdict | undefined {
  if (newest.has(image.imageId)) {
    return { reason: 'keep-latest', detail: `among the newest ${keepLatest} available` };
  }
  if (image.retainTagged) return { reason: 'retention-tag' };
  if (image.deregistrationProtected) return { reason: 'deregistration-protection' };
  // AWS Backup deletes what it manages by its own plan; deregistering it would break that plan.
  if (image.awsBackupManaged) return { reason: 'aws-backup-managed' };
  return undefined;
}

function newestAvailablePerName(images: readonly DeployImage[], keepLatest: number): Set<string> {
  const byName = new Map<string, DeployImage[]>();
  for (const image of images) {
    if (image.state !== 'available') continue;
    const list = byName.get(image.instanceName) ?? [];
    list.push(image);
    byName.set(image.instanceName, list);
  }
  const newest = new Set<string>();
  for (const list of byName.values()) {
    list.sort(
      (a, b) => compareKeys(b, a), // newest first; same name, so creation date then image id
    );
    for (const image of list.slice(0, keepLatest)) newest.add(image.imageId);
  }
  return newest;
}

export interface ImageUsage {
  /** Image id → an instance (not terminated) launched from it. */
  readonly instances: ReadonlyMap<string, string>;
  /** Image id → the launch template version naming it. */
  readonly launchTemplates: ReadonlyMap<string, string>;
}

/** Why an image in use must be kept, or undefined when nothing uses it. */
export function keptForUse(imageId: string, usage: ImageUsage): KeepVerdict | undefined {
  const instanceId = usage.instances.get(imageId);
  if (instanceId !== undefined) return { reason: 'in-use-by-instance', detail: instanceId };
  const template = usage.launchTemplates.get(imageId);
  if (template !== undefined) return { reason: 'in-use-by-launch-template', detail: template };
  return undefined;
}
