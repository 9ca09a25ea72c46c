import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClaimedImage, DeletionJournal } from './deletion-journal';
import { type JournalTable, startJournalTable } from './journal-table.fake';

let table: JournalTable;
beforeAll(async () => {
  table = await startJournalTable();
});
afterAll(async () => {
  await table?.stop();
});

const store = () => ({
  dynamodb: table.dynamodb,
  tableName: table.tableName,
  now: () => new Date(),
});
let runs = 0;
const newRun = () => {
  runs += 1;
  return `run-${runs}`;
};
const image = (n: number): ClaimedImage => ({
  imageId: `ami-${n.toString(16).padStart(17, '0')}`,
  instanceName: 'service-api',
  createdAt: '2025-05-01T00:00:00.000Z',
  ageDays: 50,
  snapshotIds: [],
});

describe('DeletionJournal', () => {
  it('should claim no more slots than the cap, however often a batch is tried again', async () => {
    // Prepare: three attempts of the same batch, each loading the journal afresh (a retried
    // invocation) and claiming from the same listing plus images it has not seen before.
    const runId = newRun();
    const claimed = new Set<string>();

    // Act
    for (let attempt = 0; attempt < 3; attempt++) {
      const journal = await DeletionJournal.load(store(), runId, 5);
      for (let n = attempt * 3; n < attempt * 3 + 6; n++) {
        const slot = await journal.claim(image(n), 1);
        if (slot !== undefined) claimed.add(slot.image.imageId);
      }
    }

    // Assess
    const journal = await DeletionJournal.load(store(), runId, 5);
    expect(journal.full).toBe(true);
    expect(journal.claimedBy(1).map((slot) => slot.image.imageId)).toEqual(
      [0, 1, 2, 3, 4].map((n) => image(n).imageId),
    );
    expect(claimed.size).toBe(5);
  });

  it('should give an image claimed by an earlier attempt the same slot again', async () => {
    const runId = newRun();
    const first = await DeletionJournal.load(store(), runId, 10);
    const slot = await first.claim(image(1), 1);

    const again = await (await DeletionJournal.load(store(), runId, 10)).claim(image(1), 2);

    expect(again).toEqual(slot);
    expect((await DeletionJournal.load(store(), runId, 10)).claimedBy(2)).toEqual([]);
  });

  it('should keep the cap when two journals of the same run claim at once', async () => {
    // Prepare: two loaders that both believe slot 0 is free.
    const runId = newRun();
    const a = await DeletionJournal.load(store(), runId, 3);
    const b = await DeletionJournal.load(store(), runId, 3);

    // Act
    await Promise.all([1, 2, 3].map((n) => a.claim(image(n), 1)));
    await Promise.all([4, 5, 6].map((n) => b.claim(image(n), 1)));

    // Assess
    const slots = (await DeletionJournal.load(store(), runId, 3)).claimedBy(1);
    expect(slots).toHaveLength(3);
  });

  it('should claim a group at once in order, up to the cap, keeping earlier claims', async () => {
    const runId = newRun();
    const journal = await DeletionJournal.load(store(), runId, 4);
    await journal.claim(image(1), 1);

    const slots = await journal.claimAll([image(2), image(1), image(3), image(4), image(5)], 1);

    expect(slots.map((slot) => slot?.slot)).toEqual([1, 0, 2, 3, undefined]);
    const reloaded = await DeletionJournal.load(store(), runId, 4);
    expect(reloaded.claimedBy(1).map((slot) => slot.image.imageId)).toEqual(
      [1, 2, 3, 4].map((n) => image(n).imageId),
    );
  });

  it('should keep the cap when another writer took one of the slots a group wanted', async () => {
    const runId = newRun();
    const mine = await DeletionJournal.load(store(), runId, 4);
    const other = await DeletionJournal.load(store(), runId, 4);
    await other.claim(image(9), 1);

    const slots = await mine.claimAll([image(1), image(2), image(3), image(4)], 1);

    expect(slots.filter((slot) => slot !== undefined)).toHaveLength(3);
    const all = (await DeletionJournal.load(store(), runId, 4)).claimedBy(1);
    expect(all.map((slot) => slot.slot)).toEqual([0, 1, 2, 3]);
    expect(all.map((slot) => slot.image.imageId)).toContain(image(9).imageId);
  });

  it('should remember outcomes, so a retried batch reports what an earlier attempt did', async () => {
    const runId = newRun();
    const journal = await DeletionJournal.load(store(), runId, 10);
    const slot = await journal.claim(image(7), 1);
    if (slot === undefined) throw new Error('expected a slot');
    await journal.record(slot, {
      kind: 'deleted',
      snapshots: [{ snapshotId: 'snap-00000000000000001', result: 'success' }],
    });

    const reloaded = await DeletionJournal.load(store(), runId, 10);

    expect(reloaded.claimedBy(1)[0]?.outcome).toEqual({
      kind: 'deleted',
      snapshots: [{ snapshotId: 'snap-00000000000000001', result: 'success' }],
    });
  });
});
