// Test support: request ledgers on dynalite (in memory), the DynamoDB implementation the local
// cloud serves, so the ledger's conditional writes behave in tests as they do there.
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../infra/local/dynamodb/local-dynamodb';
import { createTableInput } from '../../infra/local/dynamodb/template-tables';
import type { LocalTableSpec } from '../../infra/local/template/local-template';
import type { Clock } from './clock';
import { RequestLedger } from './request-ledger';
import { LEDGER_ATTRIBUTES, LEDGER_BY_INSTANCE_NAME } from './request-ledger-record';

/** The ledger table as the stack defines it (test/infra checks the template against it). */
export function ledgerTableSpec(name: string): LocalTableSpec {
  return {
    logicalId: 'RequestLedger',
    name,
    partitionKey: { name: LEDGER_ATTRIBUTES.requestId, type: 'S' },
    sortKey: { name: LEDGER_ATTRIBUTES.instanceName, type: 'S' },
    globalSecondaryIndexes: [
      {
        name: LEDGER_BY_INSTANCE_NAME.indexName,
        partitionKey: { name: LEDGER_BY_INSTANCE_NAME.partition, type: 'S' },
        sortKey: { name: LEDGER_BY_INSTANCE_NAME.sort, type: 'S' },
        projection: { type: 'ALL' },
      },
    ],
  };
}

/** One in-memory DynamoDB per test file; `fresh` gives each test an empty ledger table. */
export async function startLedgerTables() {
  const dynamodb: LocalDynamoDb = await startLocalDynamoDb({
    region: 'ap-northeast-2',
    tables: [],
  });
  let count = 0;
  return {
    dynamodb,
    async fresh(
      clock: Clock = () => new Date(),
    ): Promise<{ ledger: RequestLedger; tableName: string }> {
      count++;
      const tableName = `Requests-${count}`;
      await dynamodb.client.send(
        new CreateTableCommand(createTableInput(ledgerTableSpec(tableName))),
      );
      return {
        ledger: new RequestLedger({ dynamodb: dynamodb.client, tableName, clock }),
        tableName,
      };
    },
    close: () => dynamodb.close(),
  };
}
