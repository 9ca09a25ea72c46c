import {
  type AttributeValue,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { SNAPSHOT_DELETE_RESULTS } from '../../events/ami-purged.v1';
import { imageIdSchema, instanceNameSchema, snapshotIdSchema } from '../../events/fields';
import * as z from '../../events/zod';
import { isConditionFailure } from '../shared/dynamodb-errors';

/** Key attributes of the journal table: the run, and an entry within it. */
export const JOURNAL_KEYS = { partition: 'runId', sort: 'entry' } as const;

/** What the report says of an image once its deletion was claimed. */
const claimedImageSchema = z.object({
  imageId: imageIdSchema,
  imageName: z.optional(z.string()),
  instanceName: instanceNameSchema,
  createdAt: z.string(),
  ageDays: z.number(),
  snapshotIds: z.readonly(z.array(snapshotIdSchema)),
});
export type ClaimedImage = z.output<typeof claimedImageSchema>;

const deletionOutcomeSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('deleted'),
    snapshots: z.readonly(
      z.array(
        z.object({
          snapshotId: snapshotIdSchema,
          result: z.optional(z.enum(SNAPSHOT_DELETE_RESULTS)),
        }),
      ),
    ),
  }),
  /** A dry run: it would have been deleted. */
  z.object({ kind: z.literal('planned') }),
  z.object({ kind: z.literal('failed'), code: z.string(), message: z.string() }),
]);
export type DeletionOutcome = z.output<typeof deletionOutcomeSchema>;

/** One claimed place under the run's cap. */
export interface JournalSlot {
  readonly slot: number;
  /** The batch that claimed it, and reports it. */
  readonly batch: number;
  readonly image: ClaimedImage;
  readonly outcome?: DeletionOutcome;
}

/** Journal entries outlive their run by this long, then DynamoDB's TTL removes them. */
const RETENTION_SECONDS = 90 * 86_400;
const SLOT_PREFIX = 'slot#';

export interface JournalDeps {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly now: () => Date;
}

/**
 * A run's deletions, each written before it is made. The cap is a number of slots: a deletion
 * claims the next free one with a conditional write, so a retried or crashed batch can never
 * claim more than the cap, and an image claimed once keeps its slot (and its place in exactly one
 * report: the claiming batch's) whatever is retried.
 */
export class DeletionJournal {
  private readonly slots = new Map<string, JournalSlot>();

  private constructor(
    private readonly deps: JournalDeps,
    private readonly runId: string,
    private readonly cap: number,
  ) {}

  static async load(deps: JournalDeps, runId: string, cap: number): Promise<DeletionJournal> {
    const journal = new DeletionJournal(deps, runId, cap);
    await journal.reload();
    return journal;
  }

  get full(): boolean {
    return this.slots.size >= this.cap;
  }

  /** Slots a batch claimed, in claim order (the run's order). */
  claimedBy(batch: number): JournalSlot[] {
    return [...this.slots.values()]
      .filter((slot) => slot.batch === batch)
      .sort((a, b) => a.slot - b.slot);
  }

  /** Claims the next slot for an image; undefined when the cap is reached. */
  async claim(image: ClaimedImage, batch: number): Promise<JournalSlot | undefined> {
    const existing = this.slots.get(image.imageId);
    if (existing !== undefined) return existing;
    while (!this.full) {
      const slot: JournalSlot = { slot: this.slots.size, batch, image };
      try {
        await this.write(slot);
        this.slots.set(image.imageId, slot);
        return slot;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Someone else wrote that slot: read the journal again and try the next one.
        await this.reload();
        const claimed = this.slots.get(image.imageId);
        if (claimed !== undefined) return claimed;
      }
    }
    return undefined;
  }

  /**
   * Claims slots for several images at once, in the given order, as `claim` does one by one:
   * each gets the next free slot, with the writes made together. Images beyond the cap get none.
   */
  async claimAll(
    images: readonly ClaimedImage[],
    batch: number,
  ): Promise<(JournalSlot | undefined)[]> {
    const planned: JournalSlot[] = [];
    for (const image of images) {
      if (
        this.slots.has(image.imageId) ||
        planned.some((slot) => slot.image.imageId === image.imageId)
      ) {
        continue;
      }
      if (this.slots.size + planned.length >= this.cap) break;
      planned.push({ slot: this.slots.size + planned.length, batch, image });
    }
    const written = await Promise.allSettled(planned.map((slot) => this.write(slot)));
    const conflict = written.find(
      (result) => result.status === 'rejected' && !isConditionFailure(result.reason),
    );
    if (conflict?.status === 'rejected') throw conflict.reason;
    planned.forEach((slot, index) => {
      if (written[index]?.status === 'fulfilled') this.slots.set(slot.image.imageId, slot);
    });
    if (written.some((result) => result.status === 'rejected')) {
      // Someone else wrote some of those slots: read the journal again, then go one by one.
      await this.reload();
    }
    const claimed: (JournalSlot | undefined)[] = [];
    for (const image of images) claimed.push(await this.claim(image, batch));
    return claimed;
  }

  async record(slot: JournalSlot, outcome: DeletionOutcome): Promise<void> {
    await this.deps.dynamodb.send(
      new UpdateItemCommand({
        TableName: this.deps.tableName,
        Key: this.keyOf(slot.slot),
        UpdateExpression: 'SET #outcome = :outcome',
        ExpressionAttributeNames: { '#outcome': 'outcome' },
        ExpressionAttributeValues: { ':outcome': { S: JSON.stringify(outcome) } },
      }),
    );
    this.slots.set(slot.image.imageId, { ...slot, outcome });
  }

  /** Writes a slot unless it is taken (then `ConditionalCheckFailedException`). */
  private async write(slot: JournalSlot): Promise<void> {
    await this.deps.dynamodb.send(
      new PutItemCommand({
        TableName: this.deps.tableName,
        Item: this.itemOf(slot),
        ConditionExpression: 'attribute_not_exists(#entry)',
        ExpressionAttributeNames: { '#entry': JOURNAL_KEYS.sort },
      }),
    );
  }

  private async reload(): Promise<void> {
    this.slots.clear();
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.deps.dynamodb.send(
        new QueryCommand({
          TableName: this.deps.tableName,
          ConsistentRead: true,
          KeyConditionExpression: '#run = :run AND begins_with(#entry, :slot)',
          ExpressionAttributeNames: { '#run': JOURNAL_KEYS.partition, '#entry': JOURNAL_KEYS.sort },
          ExpressionAttributeValues: { ':run': { S: this.runId }, ':slot': { S: SLOT_PREFIX } },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const slot = slotFromItem(item);
        this.slots.set(slot.image.imageId, slot);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  private keyOf(slot: number): Record<string, AttributeValue> {
    return {
      [JOURNAL_KEYS.partition]: { S: this.runId },
      [JOURNAL_KEYS.sort]: { S: `${SLOT_PREFIX}${String(slot).padStart(9, '0')}` },
    };
  }

  private itemOf(slot: JournalSlot): Record<string, AttributeValue> {
    return {
      ...this.keyOf(slot.slot),
      imageId: { S: slot.image.imageId },
      batch: { N: String(slot.batch) },
      image: { S: JSON.stringify(slot.image) },
      expiresAt: { N: String(Math.floor(this.deps.now().getTime() / 1000) + RETENTION_SECONDS) },
    };
  }
}

/** A journal entry this code wrote; anything else in its place is refused, never guessed at. */
function slotFromItem(item: Record<string, AttributeValue>): JournalSlot {
  const sort = item[JOURNAL_KEYS.sort]?.S ?? '';
  const outcome = item.outcome?.S;
  return {
    slot: z
      .number()
      .check(z.int(), z.nonnegative())
      .parse(Number(sort.slice(SLOT_PREFIX.length))),
    batch: z.number().check(z.int(), z.positive()).parse(Number(item.batch?.N)),
    image: claimedImageSchema.parse(JSON.parse(item.image?.S ?? 'null')),
    ...(outcome === undefined ? {} : { outcome: deletionOutcomeSchema.parse(JSON.parse(outcome)) }),
  };
}
