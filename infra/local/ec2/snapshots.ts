import type { ActionHandler, Ec2Context } from './context';
import { Ec2Error, invalidParameterCombination } from './errors';
import { bool, compileFilters, type FilterFields } from './filters';
import { isWellFormedId } from './ids';
import { FAIL_DELETE_TAG } from './images';
import type { SnapshotRecord } from './model';
import { checkMaxResults, page } from './pagination';
import { tagList } from './store';
import type { XmlObject } from './xml-response';

function snapshotFilters(context: Ec2Context): FilterFields<SnapshotRecord> {
  return {
    'snapshot-id': (s) => s.snapshotId,
    status: (s) => s.state,
    'owner-id': (s) => s.ownerId,
    'volume-id': (s) => s.volumeId,
    'volume-size': (s) => String(s.volumeSizeGiB),
    'start-time': (s) => s.startTime,
    description: (s) => s.description,
    progress: (s) => `${context.store.snapshotProgress(s, context.nowMs)}%`,
    encrypted: () => bool(false),
    'storage-tier': () => 'standard',
  };
}

export function renderSnapshot(context: Ec2Context, snapshot: SnapshotRecord): XmlObject {
  return {
    snapshotId: snapshot.snapshotId,
    volumeId: snapshot.volumeId,
    status: snapshot.state,
    statusMessage: snapshot.stateMessage,
    startTime: snapshot.startTime,
    progress: `${context.store.snapshotProgress(snapshot, context.nowMs)}%`,
    ownerId: snapshot.ownerId,
    volumeSize: snapshot.volumeSizeGiB,
    description: snapshot.description,
    encrypted: false,
    tagSet: tagList(snapshot.tags),
    storageTier: 'standard',
    completionTime: snapshot.completionTime,
  };
}

function snapshotNotFound(id: string): Ec2Error {
  return new Ec2Error('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);
}

function checkSnapshotIds(ids: readonly string[]): void {
  const malformed = ids.find((id) => !isWellFormedId('snap', id));
  if (malformed !== undefined) {
    throw new Ec2Error(
      'InvalidSnapshotID.Malformed',
      `Invalid id: "${malformed}" (expecting "snap-...")`,
    );
  }
}

export const describeSnapshots: ActionHandler = (context, params) => {
  const ids = params.list('SnapshotId');
  const owners = params.list('Owner');
  const maxResults = checkMaxResults(params.integer('MaxResults'), 5, 1000);
  if (ids.length > 0 && maxResults !== undefined) {
    throw invalidParameterCombination(
      'The parameter snapshotSet cannot be used with the parameter maxResults',
    );
  }
  checkSnapshotIds(ids);
  const ownerIds = new Set(owners.map((owner) => (owner === 'self' ? context.accountId : owner)));
  const matchesFilters = compileFilters(params.filters(), snapshotFilters(context), (s) => s.tags);
  const matches = (snapshot: SnapshotRecord) =>
    (ownerIds.size === 0 || ownerIds.has(snapshot.ownerId)) && matchesFilters(snapshot);
  let source: Iterable<SnapshotRecord> = context.store.snapshots.values();
  if (ids.length > 0) {
    const missing = ids.find((id) => !context.store.snapshots.has(id));
    if (missing !== undefined) throw snapshotNotFound(missing);
    source = [...new Set(ids)]
      .map((id) => context.store.snapshots.get(id) as SnapshotRecord)
      .sort((a, b) => a.seq - b.seq);
  }
  const { items, nextToken } = page(source, matches, {
    action: 'DescribeSnapshots',
    maxResults,
    nextToken: params.string('NextToken'),
  });
  return { snapshotSet: items.map((snapshot) => renderSnapshot(context, snapshot)), nextToken };
};

export const deleteSnapshot: ActionHandler = (context, params) => {
  const snapshotId = params.required('SnapshotId');
  checkSnapshotIds([snapshotId]);
  const snapshot = context.store.snapshots.get(snapshotId);
  if (snapshot === undefined) throw snapshotNotFound(snapshotId);
  if (snapshot.ownerId !== context.accountId) {
    throw new Ec2Error(
      'UnauthorizedOperation',
      'You are not authorized to perform this operation.',
      403,
    );
  }
  const [user] = context.store.imagesUsingSnapshot(snapshotId);
  if (user !== undefined) {
    throw new Ec2Error(
      'InvalidSnapshot.InUse',
      `The snapshot ${snapshotId} is currently in use by ${user}`,
    );
  }
  if (Object.hasOwn(snapshot.tags, FAIL_DELETE_TAG)) {
    throw new Ec2Error('InternalError', 'An internal error has occurred', 500);
  }
  context.store.removeSnapshot(snapshotId);
  return { return: true };
};
