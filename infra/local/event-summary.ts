import type { AmiAvailableV1Detail } from '../../events/ami-available.v1';
import type { AmiCreatedV1Detail } from '../../events/ami-created.v1';
import type { AmiFailedV1Detail } from '../../events/ami-failed.v1';
import { type AmiPurgedV1Detail, isFailedSnapshotDeletion } from '../../events/ami-purged.v1';
import type { AmiRequestedV1Detail } from '../../events/ami-requested.v1';
import { EVENT_CONTRACTS } from '../../events/catalog';
import {
  EC2_AMI_STATE_CHANGE,
  type Ec2AmiStateChangeDetail,
  ec2AmiStateChangeDetailSchema,
} from '../../events/ec2-ami-state-change';
import { formatPath } from '../../events/issues';
import type * as z from '../../events/zod';
import type { EventEnvelope } from './events/model';

/** The shape a detail-type must have, as `events/` defines it: ours, and EC2's own. */
interface KnownShape {
  readonly name: string;
  readonly schema: z.ZodMiniType;
}

const KNOWN_SHAPES = new Map<string, KnownShape>([
  ...EVENT_CONTRACTS.map(
    (contract) =>
      [
        contract.detailType,
        { name: `${contract.detailType} v${contract.version}`, schema: contract.detail },
      ] as const,
  ),
  [
    EC2_AMI_STATE_CHANGE.detailType,
    { name: EC2_AMI_STATE_CHANGE.detailType, schema: ec2AmiStateChangeDetailSchema },
  ],
]);

/**
 * A one-line summary of an event on the bus, by detail-type. The detail is parsed with its
 * contract first: an event that does not match says where, rather than printing missing fields.
 */
export function describeEvent(event: EventEnvelope): string {
  const detailType = event['detail-type'];
  const shape = KNOWN_SHAPES.get(detailType);
  if (!shape) return `${detailType} from ${event.source}`;
  const parsed = shape.schema.safeParse(event.detail);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const where = issue ? ` (${describeIssue(event.detail, issue)})` : '';
    return `${detailType} from ${event.source}: does not match ${shape.name}${where}`;
  }
  return describeValidDetail(detailType, event.source, parsed.data);
}

/** zod says a missing field was "received undefined"; a reader is told it is missing. */
function describeIssue(detail: unknown, issue: z.core.$ZodIssue): string {
  const path = formatPath(['detail', ...issue.path]);
  return valueAt(detail, issue.path) === undefined
    ? `${path}: missing`
    : `${path}: ${issue.message}`;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function describeValidDetail(detailType: string, source: string, detail: unknown): string {
  switch (detailType) {
    case 'AmiRequested': {
      const { data } = detail as AmiRequestedV1Detail;
      return `AmiRequested ${JSON.stringify(data.instanceNames)} from ${source}`;
    }
    case 'AmiCreated': {
      const { data } = detail as AmiCreatedV1Detail;
      return `AmiCreated ${data.instanceName}: ${data.imageId} (${data.imageName}) from ${data.instanceId}`;
    }
    case 'AmiAvailable': {
      const { data } = detail as AmiAvailableV1Detail;
      return `AmiAvailable ${data.instanceName}: ${data.imageId} with snapshots ${JSON.stringify(data.snapshotIds)}`;
    }
    case 'AmiFailed': {
      const { data } = detail as AmiFailedV1Detail;
      return `AmiFailed ${data.instanceName}: ${data.reason} — ${data.message}`;
    }
    case 'AmiPurged':
      return describePurge((detail as AmiPurgedV1Detail).data);
    case EC2_AMI_STATE_CHANGE.detailType: {
      const { ImageId, State } = detail as Ec2AmiStateChangeDetail;
      return `EC2 AMI State Change ${ImageId}: ${State} (default bus)`;
    }
    default:
      return `${detailType} from ${source}`;
  }
}

type PurgeData = AmiPurgedV1Detail['data'];

function describePurge(data: PurgeData): string {
  const verb = data.dryRun ? 'would purge' : 'purged';
  const parts = [
    `${verb} ${data.purged.map((image) => image.imageId).join(', ') || 'nothing'}`,
    `kept ${data.skipped.map((image) => `${image.imageId} (${image.reason})`).join(', ') || 'nothing'}`,
    ...failedSnapshotDeletions(data),
    ...failedImages(data),
  ];
  return `AmiPurged ${data.instanceName ?? 'all names'}: ${parts.join('; ')}`;
}

/** A deregistered image's snapshot that EC2 did not delete reports why in its `result`. */
function failedSnapshotDeletions(data: PurgeData): string[] {
  const failed = data.purged.flatMap((image) =>
    image.snapshots.filter((snapshot) => isFailedSnapshotDeletion(snapshot.result)),
  );
  if (failed.length === 0) return [];
  const list = failed.map((snapshot) => `${snapshot.snapshotId} (${snapshot.result})`).join(', ');
  return [
    `${failed.length} snapshot ${failed.length === 1 ? 'deletion' : 'deletions'} failed: ${list}`,
  ];
}

function failedImages(data: PurgeData): string[] {
  if (data.failed.length === 0) return [];
  const list = data.failed
    .map((image) => `${image.imageId} (${image.code}: ${image.message})`)
    .join(', ');
  return [`${data.failed.length} failed: ${list}`];
}
