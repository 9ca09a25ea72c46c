import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type LocalDynamoDbOptions,
  startLocalDynamoDb,
} from '../../../infra/local/dynamodb/local-dynamodb';
import { startLocalEndpoint } from '../../../infra/local/endpoint';
import type { LocalTableSpec } from '../../../infra/local/template/local-template';

export const REGION = 'ap-northeast-2';

/** A purge journal's shape: runs by partition, deletions by sort key, runs found by state. */
export const JOURNAL: LocalTableSpec = {
  logicalId: 'PurgeJournal',
  name: 'AmiLifecycle-PurgeJournal',
  partitionKey: { name: 'runId', type: 'S' },
  sortKey: { name: 'entry', type: 'S' },
  globalSecondaryIndexes: [
    {
      name: 'byState',
      partitionKey: { name: 'state', type: 'S' },
      sortKey: { name: 'startedAt', type: 'N' },
      projection: { type: 'KEYS_ONLY' },
    },
  ],
};

export const CHECKS: LocalTableSpec = {
  logicalId: 'WaitingChecks',
  name: 'AmiLifecycle-WaitingChecks',
  partitionKey: { name: 'imageId', type: 'S' },
  globalSecondaryIndexes: [],
};

/**
 * Serves a local DynamoDB through the local endpoint on a free port and gives the unchanged SDK
 * client for it (one attempt per call, so an error answer is seen as sent).
 */
export async function serveDynamoDb(options: Partial<LocalDynamoDbOptions> = {}) {
  const dynamodb = await startLocalDynamoDb({
    region: REGION,
    tables: [JOURNAL, CHECKS],
    ...options,
  });
  const endpoint = await startLocalEndpoint({ port: 0, services: { dynamodb: dynamodb.service } });
  const client = new DynamoDBClient({
    endpoint: endpoint.url,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  return {
    client,
    dynamodb,
    url: endpoint.url,
    async close() {
      client.destroy();
      await endpoint.close();
      await dynamodb.close();
    },
  };
}
