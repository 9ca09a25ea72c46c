import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { isConditionFailure } from '../shared/dynamodb-errors';
import { JOURNAL_KEYS } from './deletion-journal';

/** Another run holds the lock; the state machine retries the start until it is free. */
export class PurgeRunBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PurgeRunBusyError';
  }
}

/** The lease ran out and another run took it; this run must stop deleting. */
export class PurgeRunLockLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PurgeRunLockLostError';
  }
}

/**
 * Longer than a batch (its Lambda timeout) and the retries between batches, so a live run keeps
 * it; short enough that a run that died without releasing it blocks the next one only briefly.
 */
export const LOCK_LEASE_MS = 30 * 60_000;

const LOCK_ITEM = {
  [JOURNAL_KEYS.partition]: { S: '#lock' },
  [JOURNAL_KEYS.sort]: { S: 'purge-run' },
};

export interface RunLockDeps {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly now: () => Date;
}

/**
 * One purge run at a time per account and Region: a lease in the journal table, taken with a
 * conditional write. `renew` (each batch) extends it only for its owner.
 */
export async function acquireRunLock(deps: RunLockDeps, runId: string): Promise<void> {
  await writeLease(deps, runId, 'attribute_not_exists(#owner) OR #owner = :me OR #expires < :now', {
    onConflict: async () => {
      const holder = await readHolder(deps);
      throw new PurgeRunBusyError(
        `purge run ${holder ?? 'another run'} is in progress; ${runId} waits for it`,
      );
    },
  });
}

export async function renewRunLock(deps: RunLockDeps, runId: string): Promise<void> {
  await writeLease(deps, runId, '#owner = :me', {
    onConflict: async () => {
      const holder = await readHolder(deps);
      throw new PurgeRunLockLostError(
        `purge run ${runId} no longer holds the run lock (held by ${holder ?? 'nobody'})`,
      );
    },
  });
}

/** Releasing a lock this run does not hold changes nothing. */
export async function releaseRunLock(deps: RunLockDeps, runId: string): Promise<void> {
  try {
    await deps.dynamodb.send(
      new DeleteItemCommand({
        TableName: deps.tableName,
        Key: LOCK_ITEM,
        ConditionExpression: '#owner = :me',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':me': { S: runId } },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

async function writeLease(
  deps: RunLockDeps,
  runId: string,
  condition: string,
  { onConflict }: { onConflict: () => Promise<never> },
): Promise<void> {
  const now = deps.now().getTime();
  const usesNow = condition.includes(':now');
  try {
    await deps.dynamodb.send(
      new PutItemCommand({
        TableName: deps.tableName,
        Item: {
          ...LOCK_ITEM,
          owner: { S: runId },
          leaseUntil: { N: String(now + LOCK_LEASE_MS) },
        },
        ConditionExpression: condition,
        ExpressionAttributeNames: {
          '#owner': 'owner',
          ...(usesNow ? { '#expires': 'leaseUntil' } : {}),
        },
        ExpressionAttributeValues: {
          ':me': { S: runId },
          ...(usesNow ? { ':now': { N: String(now) } } : {}),
        },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) await onConflict();
    throw error;
  }
}

async function readHolder(deps: RunLockDeps): Promise<string | undefined> {
  const { Item } = await deps.dynamodb.send(
    new GetItemCommand({ TableName: deps.tableName, Key: LOCK_ITEM, ConsistentRead: true }),
  );
  return Item?.owner?.S;
}
