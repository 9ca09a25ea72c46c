import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { AmiFailureReason } from '../../events/ami-failed.v1';
import type { Clock } from './clock';
import { isConditionFailure } from './dynamodb-errors';
import {
  LEDGER_ATTRIBUTES as A,
  LEDGER_BY_INSTANCE_NAME,
  LEDGER_RETENTION_DAYS,
  type LedgerRecord,
  parseLedgerItem,
} from './request-ledger-record';

export interface LedgerDeps {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly clock: Clock;
}

export interface NameKey {
  readonly requestId: string;
  readonly instanceName: string;
}

/** Who asked, as the request says it: written once, when the name is first recorded. */
export interface RequestOrigin {
  readonly requestedAt: string;
  readonly requestedBy?: string;
  readonly requestLabel?: string;
}

export interface PendingImage {
  readonly instanceId: string;
  readonly imageId: string;
  readonly imageName: string;
}

export interface NameFailure {
  readonly reason: AmiFailureReason;
  readonly message: string;
  readonly instanceId?: string;
  readonly imageId?: string;
  readonly imageName?: string;
  readonly imageState?: string;
}

const MS_PER_DAY = 86_400_000;

/**
 * The request ledger: where each requested name is, written before anything is announced. Its
 * conditional writes are what make a name end once: a terminal state is written before its event
 * is published, and a name whose terminal event was published (`published`) never changes again,
 * whatever is redelivered or retried.
 */
export class RequestLedger {
  constructor(private readonly deps: LedgerDeps) {}

  /** The record of one name, read consistently; undefined if it was never recorded. */
  async read(key: NameKey): Promise<LedgerRecord | undefined> {
    const { Item } = await this.deps.dynamodb.send(
      new GetItemCommand({ TableName: this.deps.tableName, Key: keyOf(key), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : parseLedgerItem(Item);
  }

  /** Every name of a request, in name order. */
  async readRequest(requestId: string): Promise<LedgerRecord[]> {
    const records: LedgerRecord[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.deps.dynamodb.send(
        new QueryCommand({
          TableName: this.deps.tableName,
          KeyConditionExpression: '#id = :id',
          ExpressionAttributeNames: { '#id': A.requestId },
          ExpressionAttributeValues: { ':id': { S: requestId } },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) records.push(parseLedgerItem(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return records;
  }

  /** The latest requests of a name, newest first (the index is eventually consistent). */
  async latestOfName(instanceName: string, limit: number): Promise<LedgerRecord[]> {
    const { Items = [] } = await this.deps.dynamodb.send(
      new QueryCommand({
        TableName: this.deps.tableName,
        IndexName: LEDGER_BY_INSTANCE_NAME.indexName,
        KeyConditionExpression: '#name = :name',
        ExpressionAttributeNames: { '#name': LEDGER_BY_INSTANCE_NAME.partition },
        ExpressionAttributeValues: { ':name': { S: instanceName } },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return Items.map(parseLedgerItem);
  }

  /**
   * Records a name as `requested`, unless it is recorded already (a retried API call with the
   * same request id): then it is left as it is.
   */
  async accept(key: NameKey, origin: RequestOrigin): Promise<void> {
    try {
      await this.update(key, {
        set: { [A.state]: 'requested', ...originValues(origin) },
        condition: `attribute_not_exists(#${A.state})`,
      });
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /**
   * Moves a name that has no image yet to `creating`. Answers false, changing nothing, if the name
   * has an image (`pending`) or a terminal state: the caller reads the record and goes from there.
   */
  async markCreating(key: NameKey, origin: RequestOrigin): Promise<boolean> {
    return this.conditional(key, {
      set: { [A.state]: 'creating' },
      setIfAbsent: originValues(origin),
      condition: `attribute_not_exists(#${A.state}) OR #${A.state} IN (:requested, :creating) OR (#${A.state} = :failed AND #${A.published} = :false)`,
      values: {
        ':requested': { S: 'requested' },
        ':creating': { S: 'creating' },
        ':failed': { S: 'failed' },
        ':false': { BOOL: false },
      },
      remove: [A.reason, A.message, A.failedAt, A.published],
    });
  }

  /** Records the name's image (`pending`); false, changing nothing, if the name has ended. */
  async markPending(key: NameKey, origin: RequestOrigin, image: PendingImage): Promise<boolean> {
    return this.conditional(key, {
      set: {
        [A.state]: 'pending',
        [A.instanceId]: image.instanceId,
        [A.imageId]: image.imageId,
        [A.imageName]: image.imageName,
      },
      setIfAbsent: originValues(origin),
      condition: `attribute_not_exists(#${A.published})`,
    });
  }

  /**
   * Writes the name's terminal failure, unpublished. False, changing nothing, if its terminal
   * event is already published: then nothing may be announced for it again.
   */
  async settleFailed(key: NameKey, origin: RequestOrigin, failure: NameFailure): Promise<boolean> {
    const now = this.deps.clock().toISOString();
    return this.conditional(key, {
      set: {
        [A.state]: 'failed',
        [A.reason]: failure.reason,
        [A.message]: failure.message,
        [A.failedAt]: now,
        [A.published]: false,
        ...definedStrings({
          [A.instanceId]: failure.instanceId,
          [A.imageId]: failure.imageId,
          [A.imageName]: failure.imageName,
          [A.imageState]: failure.imageState,
        }),
      },
      setIfAbsent: originValues(origin),
      condition: `attribute_not_exists(#${A.published}) OR #${A.published} = :false`,
      values: { ':false': { BOOL: false } },
    });
  }

  /**
   * The name's terminal event is on the bus: its terminal state is final. The state machines that
   * publish terminal events make this write in their RecordPublished states (the watcher's, the
   * creator's announcer's); tests use this method to play those states.
   */
  async markPublished(key: NameKey): Promise<void> {
    await this.update(key, {
      set: { [A.published]: true },
      condition: `attribute_exists(#${A.published})`,
    });
  }

  private async conditional(key: NameKey, change: Change): Promise<boolean> {
    try {
      await this.update(key, change);
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  private async update(key: NameKey, change: Change): Promise<void> {
    const names: Record<string, string> = {};
    const values: Record<string, AttributeValue> = { ...change.values };
    const clauses: string[] = [];
    const now = this.deps.clock();
    const set: Record<string, string | boolean | number> = {
      ...change.set,
      [A.updatedAt]: now.toISOString(),
      [A.expiresAt]: Math.floor(now.getTime() / 1000) + (LEDGER_RETENTION_DAYS * MS_PER_DAY) / 1000,
    };
    for (const [name, value] of Object.entries(set)) {
      names[`#${name}`] = name;
      values[`:${name}`] = attributeValue(value);
      clauses.push(`#${name} = :${name}`);
    }
    for (const [name, value] of Object.entries(change.setIfAbsent ?? {})) {
      names[`#${name}`] = name;
      values[`:${name}`] = attributeValue(value);
      clauses.push(`#${name} = if_not_exists(#${name}, :${name})`);
    }
    // Every attribute a condition names must be in the names map.
    for (const name of [A.state, A.published]) {
      if (change.condition.includes(`#${name}`)) names[`#${name}`] = name;
    }
    const remove = (change.remove ?? []).map((name) => {
      names[`#${name}`] = name;
      return `#${name}`;
    });
    await this.deps.dynamodb.send(
      new UpdateItemCommand({
        TableName: this.deps.tableName,
        Key: keyOf(key),
        UpdateExpression: `SET ${clauses.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
        ConditionExpression: change.condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }
}

interface Change {
  readonly set: Record<string, string | boolean>;
  readonly setIfAbsent?: Record<string, string>;
  readonly condition: string;
  readonly values?: Record<string, AttributeValue>;
  readonly remove?: readonly string[];
}

function keyOf(key: NameKey): Record<string, AttributeValue> {
  return { [A.requestId]: { S: key.requestId }, [A.instanceName]: { S: key.instanceName } };
}

function originValues(origin: RequestOrigin): Record<string, string> {
  return definedStrings({
    [A.requestedAt]: origin.requestedAt,
    [A.requestedBy]: origin.requestedBy,
    [A.requestLabel]: origin.requestLabel,
  });
}

function definedStrings(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

function attributeValue(value: string | boolean | number): AttributeValue {
  if (typeof value === 'boolean') return { BOOL: value };
  if (typeof value === 'number') return { N: String(value) };
  return { S: value };
}
