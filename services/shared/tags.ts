/**
 * Tags written on every deploy AMI and its snapshots. `Name` and `Reason=Deploy` are the seed
 * system's; the provenance tags tie an image to the instance name and request that made it, so the
 * janitor never judges an image by its name alone and redelivered requests find their image.
 */
export const TAG = {
  name: 'Name',
  reason: 'Reason',
  instanceName: 'ami-lifecycle:instance-name',
  instanceId: 'ami-lifecycle:instance-id',
  requestId: 'ami-lifecycle:request-id',
  /** Set by operators (any value) to keep an image out of every purge. */
  retain: 'ami-lifecycle:retain',
} as const;

export const DEPLOY_REASON = 'Deploy';
