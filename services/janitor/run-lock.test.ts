import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JournalTable, startJournalTable } from './journal-table.fake';
import {
  acquireRunLock,
  LOCK_LEASE_MS,
  PurgeRunBusyError,
  PurgeRunLockLostError,
  releaseRunLock,
  renewRunLock,
} from './run-lock';

let table: JournalTable;
let nowMs = Date.parse('2025-06-20T03:00:00.000Z');
beforeAll(async () => {
  table = await startJournalTable();
});
afterAll(async () => {
  await table?.stop();
});
const store = () => ({
  dynamodb: table.dynamodb,
  tableName: table.tableName,
  now: () => new Date(nowMs),
});

describe('purge run lock', () => {
  it('should let one run at a time hold it, and the next take it once released', async () => {
    await acquireRunLock(store(), 'run-a');

    await expect(acquireRunLock(store(), 'run-b')).rejects.toThrow(PurgeRunBusyError);
    await expect(acquireRunLock(store(), 'run-b')).rejects.toThrow(/run-a is in progress/);
    await acquireRunLock(store(), 'run-a'); // a retried start of the holder
    await renewRunLock(store(), 'run-a');
    await releaseRunLock(store(), 'run-b'); // not the holder: changes nothing
    await expect(acquireRunLock(store(), 'run-b')).rejects.toThrow(PurgeRunBusyError);

    await releaseRunLock(store(), 'run-a');
    await acquireRunLock(store(), 'run-b');
    await releaseRunLock(store(), 'run-b');
  });

  it('should hand the lock on when its holder stopped renewing it, and stop the old holder', async () => {
    await acquireRunLock(store(), 'run-c');
    nowMs += LOCK_LEASE_MS + 1;

    await acquireRunLock(store(), 'run-d');

    await expect(renewRunLock(store(), 'run-c')).rejects.toThrow(PurgeRunLockLostError);
    await releaseRunLock(store(), 'run-d');
  });
});
