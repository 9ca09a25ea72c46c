// Test support: a real DynamoDB implementation (dynalite, in memory, on loopback) holding the
// journal table, so conditional writes behave as DynamoDB's do rather than as a stub assumes.
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { JOURNAL_KEYS } from './deletion-journal';

export interface JournalTable {
  readonly dynamodb: DynamoDBClient;
  /** The newest table; `fresh()` makes another, so tests never share a run's journal. */
  tableName: string;
  fresh(): Promise<string>;
  stop(): Promise<void>;
}

let tables = 0;

export async function startJournalTable(): Promise<JournalTable> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const dynamodb = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'ap-northeast-2',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const create = async () => {
    tables += 1;
    const tableName = `purge-journal-${tables}`;
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [
          { AttributeName: JOURNAL_KEYS.partition, AttributeType: 'S' },
          { AttributeName: JOURNAL_KEYS.sort, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: JOURNAL_KEYS.partition, KeyType: 'HASH' },
          { AttributeName: JOURNAL_KEYS.sort, KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    return tableName;
  };
  const table: JournalTable = {
    dynamodb,
    tableName: await create(),
    async fresh() {
      table.tableName = await create();
      return table.tableName;
    },
    async stop() {
      dynamodb.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return table;
}
