import type { EC2Client } from '@aws-sdk/client-ec2';
import type { DeployImage } from '../services/janitor/deploy-image';
import { listDeployImagePages } from '../services/janitor/list-deploy-images';
import { selectBatch } from '../services/janitor/select-batch';
import { expiryCutoffMs, isExpired } from '../services/janitor/select-expired-images';

export interface PurgePlanSettings {
  readonly instanceName?: string;
  readonly now: Date;
  readonly retentionDays: number;
  readonly keepLatest: number;
  readonly maxDeletionsPerRun: number;
}

export interface PurgePlanRow {
  readonly imageId: string;
  readonly imageName: string | undefined;
  readonly instanceName: string;
  readonly ageMs: number;
  readonly decision: 'delete' | 'keep';
  readonly reason: string;
}

/**
 * What a purge run would decide now, read-only: the janitor's own listing and selection
 * (retention, keep-latest, retention tag, deregistration protection, AWS Backup, the per-run
 * cap in run order). Checks the janitor makes only right before a deletion (in use by an
 * instance, launch template, parameter or recipe; shared with other accounts) are not made, so a
 * `delete` row may still be kept by the real run.
 */
export async function planPurge(
  ec2: EC2Client,
  settings: PurgePlanSettings,
): Promise<PurgePlanRow[]> {
  const images: DeployImage[] = [];
  for await (const page of listDeployImagePages(ec2, settings.instanceName)) images.push(...page);
  if (images.length === 0) return [];
  // One batch as large as the account: a dry run from a terminal judges everything at once.
  const batch = await selectBatch(replay(images), { ...settings, batchSize: images.length });
  const candidates = new Map(
    batch.candidates.map((candidate) => [candidate.image.imageId, candidate]),
  );
  const cutoffMs = expiryCutoffMs(settings.now, settings.retentionDays);
  let deletions = 0;
  const rows = batch.candidates.map((candidate): PurgePlanRow => {
    const row = toRow(candidate.image, settings.now);
    if (candidate.kept !== undefined) {
      const detail = candidate.kept.detail === undefined ? '' : ` (${candidate.kept.detail})`;
      return { ...row, decision: 'keep', reason: `${candidate.kept.reason}${detail}` };
    }
    if (deletions >= settings.maxDeletionsPerRun) {
      return {
        ...row,
        decision: 'keep',
        reason: `deletion-cap (${settings.maxDeletionsPerRun} per run)`,
      };
    }
    deletions += 1;
    return { ...row, decision: 'delete', reason: `older than ${settings.retentionDays} days` };
  });
  const notExpired = images
    .filter((image) => !candidates.has(image.imageId))
    .map((image): PurgePlanRow => {
      const reason = isExpired({ ...image, state: 'available' }, cutoffMs)
        ? `not settled (${image.state})`
        : `younger than ${settings.retentionDays} days`;
      return { ...toRow(image, settings.now), decision: 'keep', reason };
    });
  return [...rows, ...notExpired].sort(
    (a, b) => a.instanceName.localeCompare(b.instanceName) || b.ageMs - a.ageMs,
  );
}

function toRow(image: DeployImage, now: Date) {
  return {
    imageId: image.imageId,
    imageName: image.imageName,
    instanceName: image.instanceName,
    ageMs: now.getTime() - Date.parse(image.createdAt),
  };
}

async function* replay(images: readonly DeployImage[]): AsyncGenerator<readonly DeployImage[]> {
  yield images;
}
