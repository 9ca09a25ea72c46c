import { createHash } from 'node:crypto';
import {
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { isConditionFailure } from '../shared/dynamodb-errors';

/** What is known of one notification at one target. */
export type TargetOutcome = 'delivered' | 'rejected';

export interface TargetRecord {
  readonly outcome: TargetOutcome;
  /** The receiver's HTTP status of a rejection. */
  readonly status?: number;
}

/** Key attributes of the delivery table: the event, and the target within it. */
export const DELIVERY_KEYS = { partition: 'eventId', sort: 'target' } as const;

/**
 * Which targets already settled each notification, so a retried or redriven notification is
 * posted only to the targets that have not got it.
 */
export interface DeliveryLedger {
  /** Outcomes recorded for an event, by target key. */
  recorded(eventId: string): Promise<ReadonlyMap<string, TargetRecord>>;
  /** Records an outcome; a target recorded as delivered stays delivered. */
  record(eventId: string, target: string, record: TargetRecord): Promise<void>;
  /** Forgets these targets' rejections, so a redriven notification is posted to them again. */
  forgetRejections(eventId: string, targets: readonly string[]): Promise<void>;
}

/**
 * A stable key for a target: a hash of its URL. The URL itself is a credential and is never
 * stored; the hash changes when the operator replaces a revoked URL, which is what a redrive needs.
 */
export function targetKey(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 32);
}

/** Records outlive the retry window and the dead-letter queue's 14 days, for a late redrive. */
const RETENTION_SECONDS = 30 * 86_400;

export interface DynamoDbLedgerDeps {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly now: () => Date;
}

export function dynamoDbDeliveryLedger(deps: DynamoDbLedgerDeps): DeliveryLedger {
  const { dynamodb, tableName } = deps;
  return {
    async recorded(eventId) {
      const outcomes = new Map<string, TargetRecord>();
      let startKey: Record<string, never> | undefined;
      do {
        const page = await dynamodb.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#event = :event',
            ExpressionAttributeNames: { '#event': DELIVERY_KEYS.partition },
            ExpressionAttributeValues: { ':event': { S: eventId } },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          const target = item[DELIVERY_KEYS.sort]?.S;
          const outcome = item.outcome?.S;
          const status = item.status?.N === undefined ? undefined : Number(item.status.N);
          if (target !== undefined && (outcome === 'delivered' || outcome === 'rejected')) {
            outcomes.set(target, status === undefined ? { outcome } : { outcome, status });
          }
        }
        startKey = page.LastEvaluatedKey as Record<string, never> | undefined;
      } while (startKey !== undefined);
      return outcomes;
    },

    async record(eventId, target, { outcome, status }) {
      const now = deps.now();
      try {
        await dynamodb.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              [DELIVERY_KEYS.partition]: { S: eventId },
              [DELIVERY_KEYS.sort]: { S: target },
              outcome: { S: outcome },
              ...(status === undefined ? {} : { status: { N: String(status) } }),
              recordedAt: { S: now.toISOString() },
              expiresAt: { N: String(Math.floor(now.getTime() / 1000) + RETENTION_SECONDS) },
            },
            // A delivery may replace a rejection (the URL was fixed); nothing replaces a delivery.
            ConditionExpression: 'attribute_not_exists(#event) OR #outcome <> :delivered',
            ExpressionAttributeNames: { '#event': DELIVERY_KEYS.partition, '#outcome': 'outcome' },
            ExpressionAttributeValues: { ':delivered': { S: 'delivered' } },
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },

    async forgetRejections(eventId, targets) {
      for (const target of targets) {
        await dynamodb
          .send(
            new DeleteItemCommand({
              TableName: tableName,
              Key: {
                [DELIVERY_KEYS.partition]: { S: eventId },
                [DELIVERY_KEYS.sort]: { S: target },
              },
              ConditionExpression: '#outcome = :rejected',
              ExpressionAttributeNames: { '#outcome': 'outcome' },
              ExpressionAttributeValues: { ':rejected': { S: 'rejected' } },
            }),
          )
          .catch((error: unknown) => {
            if (!isConditionFailure(error)) throw error;
          });
      }
    },
  };
}
