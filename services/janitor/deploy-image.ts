/** A Deploy AMI as the janitor judges it: only the facts the safety rules need. */
export interface DeployImage {
  readonly imageId: string;
  readonly imageName: string | undefined;
  /** From the provenance tag, or for seed-made images from the name pattern. */
  readonly instanceName: string;
  /** Normalised ISO-8601 UTC, so it sorts and compares as text. */
  readonly createdAt: string;
  readonly state: string;
  readonly deregistrationProtected: boolean;
  readonly retainTagged: boolean;
  /** Carries a tag whose key starts with `aws:backup:`: AWS Backup manages the image's lifecycle. */
  readonly awsBackupManaged: boolean;
  /** EBS snapshots of the block device mappings (what a dry run reports). */
  readonly snapshotIds: readonly string[];
}
