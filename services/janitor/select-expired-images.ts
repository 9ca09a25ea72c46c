import type { PurgeSkipReason } from '../../events/ami-purged.v1';
import type { CandidateKey } from './cursor';
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
