import type { AmiAvailableV1Detail } from '../../events/ami-available.v1';
import type { AmiFailedV1Detail, AmiFailureReason } from '../../events/ami-failed.v1';
import {
  type AmiPurgedV1Detail,
  isFailedSnapshotDeletion,
  type PurgeSkipReason,
} from '../../events/ami-purged.v1';
import { TAG } from '../shared/tags';
import type { Notification } from './notification';

/** How a message should look: success green, failure red, dry run amber, plain purge blue. */
export type Tone = 'success' | 'failure' | 'warning' | 'info';

export const TONE_COLOR: Record<Tone, `#${string}`> = {
  success: '#28a745',
  failure: '#dc3545',
  warning: '#ffc107',
  info: '#17a2b8',
};

export const TONE_EMOJI: Record<Tone, string> = {
  success: '✅',
  failure: '❌',
  warning: '🧪',
  info: '🧹',
};

export interface Fact {
  readonly label: string;
  readonly value: string;
}

/** A list the renderers bound to their platform's limits (`…and N more`). */
export interface Section {
  readonly heading: string;
  readonly lines: readonly string[];
}

/** A platform-neutral account of an event, which every chat format renders its own way. */
export interface Description {
  readonly tone: Tone;
  readonly title: string;
  readonly summary: string;
  readonly facts: readonly Fact[];
  readonly sections: readonly Section[];
}

export const FAILURE_REASON_TEXT: Record<AmiFailureReason, string> = {
  'instance-not-found': 'No running instance has this Name tag',
  'create-failed': 'EC2 refused to create the image',
  'reboot-not-allowed':
    'The request asked to reboot the instance, which this deployment does not allow',
  'image-failed': 'The image failed',
  'image-missing': 'The image disappeared before it became available',
  'timed-out': 'The image was not available by the wait deadline',
  'watcher-error': 'The watcher failed before it could report the image',
};

const SKIP_REASON_TEXT: Record<PurgeSkipReason, string> = {
  'keep-latest': 'kept as one of the newest',
  'in-use-by-instance': 'in use by an instance',
  'in-use-by-launch-template': 'in use by a launch template',
  'in-use-by-ssm-parameter': 'named by an SSM parameter',
  'in-use-by-image-recipe': 'used by an Image Builder recipe',
  'shared-with-other-accounts': 'shared with other accounts',
  'aws-backup-managed': 'managed by AWS Backup',
  'deregistration-protection': 'deregistration protection is on',
  'retention-tag': `tagged ${TAG.retain}`,
  'deletion-cap': 'per-run deletion cap reached',
};

export function describeNotification(notification: Notification): Description {
  switch (notification.detailType) {
    case 'AmiAvailable':
      return describeAvailable(notification.event.detail.data);
    case 'AmiFailed':
      return describeFailed(notification.event.detail.data);
    case 'AmiPurged':
      return describePurged(notification.event.detail.data);
  }
}

function describeAvailable(data: AmiAvailableV1Detail['data']): Description {
  return {
    tone: 'success',
    title: `AMI available: ${data.instanceName}`,
    summary: `${data.imageName} (${data.imageId}) is available and can be launched.`,
    facts: [
      { label: 'Instance name', value: data.instanceName },
      { label: 'AMI ID', value: data.imageId },
      { label: 'AMI name', value: data.imageName },
      { label: 'Source instance', value: data.instanceId },
      { label: 'Snapshots', value: data.snapshotIds.join(', ') || 'none' },
      { label: 'Available at', value: data.availableAt },
      { label: 'Request ID', value: data.requestId },
    ],
    sections: [],
  };
}

function describeFailed(data: AmiFailedV1Detail['data']): Description {
  const facts: Fact[] = [
    { label: 'Instance name', value: data.instanceName },
    { label: 'Reason', value: data.reason },
  ];
  if (data.imageId !== undefined) facts.push({ label: 'AMI ID', value: data.imageId });
  if (data.imageName !== undefined) facts.push({ label: 'AMI name', value: data.imageName });
  if (data.imageState !== undefined) facts.push({ label: 'AMI state', value: data.imageState });
  if (data.instanceId !== undefined) {
    facts.push({ label: 'Source instance', value: data.instanceId });
  }
  facts.push(
    { label: 'Failed at', value: data.failedAt },
    { label: 'Request ID', value: data.requestId },
  );
  return {
    tone: 'failure',
    title: `AMI failed: ${data.instanceName}`,
    summary: `${FAILURE_REASON_TEXT[data.reason]}: ${data.message}`,
    facts,
    sections: [],
  };
}

type PurgedData = AmiPurgedV1Detail['data'];
type ImageRef = { imageId: string; imageName?: string | undefined };

function imageLabel(image: ImageRef): string {
  return image.imageName === undefined ? image.imageId : `${image.imageId} ${image.imageName}`;
}

/** Ages arrive as fractional days; one decimal is what a person reads. */
export function formatAge(ageDays: number): string {
  const rounded = Math.round(ageDays * 10) / 10;
  return `${rounded} ${rounded === 1 ? 'day' : 'days'}`;
}

/** A run split over several invocations says which part this is. */
export function purgePart(data: Pick<PurgedData, 'part' | 'final'>): string | undefined {
  if (data.part === 1 && data.final) return undefined;
  return data.final ? `part ${data.part} (last)` : `part ${data.part} (continues)`;
}

function describePurged(data: PurgedData): Description {
  const scope = data.instanceName ?? 'all instance names';
  const part = purgePart(data);
  const deletedVerb = data.dryRun ? 'Would delete' : 'Deleted';
  const failedSnapshots = data.purged
    .flatMap((image) => image.snapshots)
    .filter((snapshot) => isFailedSnapshotDeletion(snapshot.result)).length;
  const counts = [
    `${deletedVerb} ${data.purged.length} ${data.purged.length === 1 ? 'AMI' : 'AMIs'}`,
    `skipped ${data.skipped.length}`,
    `${data.failed.length} failed`,
    ...(failedSnapshots > 0
      ? [`${failedSnapshots} snapshot ${failedSnapshots === 1 ? 'deletion' : 'deletions'} failed`]
      : []),
  ].join(', ');
  const notes = [
    data.dryRun ? 'Dry run: nothing was deleted.' : undefined,
    data.capReached ? 'The per-run deletion cap was reached.' : undefined,
    part === undefined ? undefined : `This is ${part} of the run.`,
  ].filter((note) => note !== undefined);

  const facts: Fact[] = [
    { label: 'Instance name', value: scope },
    { label: 'Trigger', value: data.trigger },
    { label: 'Retention', value: `${data.retentionDays} days, newest ${data.keepLatest} kept` },
    { label: 'Run ID', value: data.runId },
  ];
  if (part !== undefined) facts.push({ label: 'Part', value: part });

  const sections: Section[] = [];
  if (data.purged.length > 0) {
    sections.push({
      heading: `${deletedVerb} (${data.purged.length})`,
      lines: data.purged.map((image) => {
        const snapshots = image.snapshots
          .map((snapshot) =>
            snapshot.result === undefined
              ? snapshot.snapshotId
              : `${snapshot.snapshotId} ${snapshot.result}`,
          )
          .join(', ');
        return `${imageLabel(image)}, ${formatAge(image.ageDays)} old, snapshots: ${snapshots || 'none'}`;
      }),
    });
  }
  if (data.skipped.length > 0) {
    sections.push({
      heading: `Skipped (${data.skipped.length})`,
      lines: data.skipped.map((image) => {
        const why =
          image.reason === 'keep-latest'
            ? `${SKIP_REASON_TEXT[image.reason]} ${data.keepLatest}`
            : SKIP_REASON_TEXT[image.reason];
        return `${imageLabel(image)}: ${why}${image.detail === undefined ? '' : ` (${image.detail})`}`;
      }),
    });
  }
  if (data.failed.length > 0) {
    sections.push({
      heading: `Failed (${data.failed.length})`,
      lines: data.failed.map((image) => `${imageLabel(image)}: ${image.code}: ${image.message}`),
    });
  }

  return {
    tone:
      data.failed.length > 0 || failedSnapshots > 0 ? 'failure' : data.dryRun ? 'warning' : 'info',
    title: `AMI purge${data.dryRun ? ' (dry run)' : ''}: ${scope}`,
    summary: [`${counts}.`, ...notes].join(' '),
    facts,
    sections,
  };
}
