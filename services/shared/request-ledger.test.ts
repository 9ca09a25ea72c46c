import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../infra/local/dynamodb/local-dynamodb';
import { ledgerTableSpec } from './ledger-tables.test-support';
import { RequestLedger } from './request-ledger';

const TABLE = ledgerTableSpec('AmiLifecycle-Requests');

let dynamodb: LocalDynamoDb;
let now = new Date('2026-11-26T10:00:00.000Z');
let ledger: RequestLedger;
let sequence = 0;

beforeAll(async () => {
  dynamodb = await startLocalDynamoDb({ region: 'ap-northeast-2', tables: [TABLE] });
  ledger = new RequestLedger({
    dynamodb: dynamodb.client,
    tableName: TABLE.name,
    clock: () => now,
  });
});

afterAll(async () => {
  await dynamodb?.close();
});

/** A name no other test uses. */
function freshKey(instanceName = 'service-api') {
  sequence++;
  return { requestId: `req-${sequence}`, instanceName };
}

const origin = { requestedAt: '2026-11-26T09:59:00.000Z', requestedBy: 'arn:aws:iam::1:user/ci' };
const image = {
  instanceId: 'i-0123456789abcdef0',
  imageId: 'ami-0123456789abcdef0',
  imageName: 'service-api-Deploy-2026-11-26_10_00',
};
const failure = { reason: 'create-failed' as const, message: 'InvalidInstanceID: no' };

describe('the request ledger', () => {
  it('should keep the first record when a request is accepted twice', async () => {
    const key = freshKey();
    await ledger.accept(key, { ...origin, requestLabel: 'first' });
    await ledger.accept(key, { ...origin, requestLabel: 'second' });

    expect(await ledger.read(key)).toMatchObject({ state: 'requested', requestLabel: 'first' });
  });

  it('should move a name through creating and pending, keeping who asked', async () => {
    const key = freshKey();
    await ledger.accept(key, origin);

    expect(await ledger.markCreating(key, origin)).toBe(true);
    expect(await ledger.markPending(key, origin, image)).toBe(true);

    expect(await ledger.read(key)).toMatchObject({
      state: 'pending',
      requestedBy: origin.requestedBy,
      requestedAt: origin.requestedAt,
      ...image,
    });
  });

  it('should record a name first seen by the creator (an event from another system)', async () => {
    const key = freshKey();

    expect(await ledger.markCreating(key, origin)).toBe(true);

    expect(await ledger.read(key)).toMatchObject({
      state: 'creating',
      requestedAt: origin.requestedAt,
    });
  });

  it('should refuse to move a name with an image back to creating', async () => {
    const key = freshKey();
    await ledger.markPending(key, origin, image);

    expect(await ledger.markCreating(key, origin)).toBe(false);
    expect((await ledger.read(key))?.state).toBe('pending');
  });

  it('should never change a name whose terminal event was published', async () => {
    const key = freshKey();
    expect(await ledger.settleFailed(key, origin, failure)).toBe(true);
    await ledger.markPublished(key);

    expect(await ledger.settleFailed(key, origin, { ...failure, message: 'again' })).toBe(false);
    expect(await ledger.markCreating(key, origin)).toBe(false);
    expect(await ledger.markPending(key, origin, image)).toBe(false);
    expect(await ledger.read(key)).toMatchObject({
      state: 'failed',
      message: failure.message,
      published: true,
    });
  });

  it('should let an unpublished failure be decided again, clearing its reason', async () => {
    const key = freshKey();
    await ledger.settleFailed(key, origin, failure);

    expect(await ledger.markCreating(key, origin)).toBe(true);

    const record = await ledger.read(key);
    expect(record?.state).toBe('creating');
    expect(record?.reason).toBeUndefined();
    expect(record?.published).toBeUndefined();
  });

  it('should refuse to mark published a name without a terminal state', async () => {
    const key = freshKey();
    await ledger.accept(key, origin);

    await expect(ledger.markPublished(key)).rejects.toThrow(/conditional/i);
  });

  it('should read every name of a request, and the latest requests of a name', async () => {
    const name = `svc-${Date.now()}`;
    const older = { requestId: 'list-older', instanceName: name };
    const newer = { requestId: 'list-newer', instanceName: name };
    const sibling = { requestId: 'list-newer', instanceName: `${name}-worker` };
    await ledger.accept(older, { requestedAt: '2026-11-25T00:00:00.000Z' });
    await ledger.accept(newer, { requestedAt: '2026-11-26T00:00:00.000Z' });
    await ledger.accept(sibling, { requestedAt: '2026-11-26T00:00:00.000Z' });

    expect((await ledger.readRequest('list-newer')).map((r) => r.instanceName)).toEqual([
      name,
      `${name}-worker`,
    ]);
    expect((await ledger.latestOfName(name, 5)).map((r) => r.requestId)).toEqual([
      'list-newer',
      'list-older',
    ]);
    expect((await ledger.latestOfName(name, 1)).map((r) => r.requestId)).toEqual(['list-newer']);
  });

  it('should stamp every change with the clock', async () => {
    const key = freshKey();
    now = new Date('2026-11-26T11:00:00.000Z');
    await ledger.markCreating(key, origin);

    expect((await ledger.read(key))?.updatedAt).toBe('2026-11-26T11:00:00.000Z');
  });
});
