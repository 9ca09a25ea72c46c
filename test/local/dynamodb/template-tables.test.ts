import { resolve } from 'node:path';
import { DescribeTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createTableInput } from '../../../infra/local/dynamodb/template-tables';
import { TemplateResolutionError } from '../../../infra/local/template/intrinsics';
import { readLocalTemplate, readTableSpec } from '../../../infra/local/template/local-template';
import { synthesizeTemplateCached } from '../../../infra/local/template/template-cache';
import { JOURNAL, serveDynamoDb } from './serve-dynamodb';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("the template's tables on the local DynamoDB", () => {
  it('should create every table of the synthesized stack under the name its users are given', async () => {
    const template = readLocalTemplate(
      (await synthesizeTemplateCached('AmiLifecycle', {})).template,
      {
        region: 'ap-northeast-2',
        accountId: '123456789012',
        stackName: 'AmiLifecycle',
        sourceRoot: resolve(import.meta.dirname, '../../..'),
      },
    );
    const served = await serveDynamoDb({ tables: template.tables });
    cleanups.push(served.close);

    const { TableNames } = await served.client.send(new ListTablesCommand({}));
    expect(TableNames).toEqual(template.tables.map((table) => table.name).sort());
    expect(TableNames?.length).toBeGreaterThan(0);
    // The state machines' Tasks name the tables they use: each of those exists.
    for (const machine of template.stateMachines) {
      for (const [, name] of JSON.stringify(machine.definition).matchAll(
        /"TableName":"([^"]+)"/g,
      )) {
        const { Table } = await served.client.send(new DescribeTableCommand({ TableName: name }));
        expect(Table?.TableStatus).toBe('ACTIVE');
      }
    }
  });

  it('should ask for on-demand billing and define exactly the key attributes of table and indexes', () => {
    expect(createTableInput(JOURNAL)).toEqual({
      TableName: JOURNAL.name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'runId', KeyType: 'HASH' },
        { AttributeName: 'entry', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'runId', AttributeType: 'S' },
        { AttributeName: 'entry', AttributeType: 'S' },
        { AttributeName: 'state', AttributeType: 'S' },
        { AttributeName: 'startedAt', AttributeType: 'N' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byState',
          KeySchema: [
            { AttributeName: 'state', KeyType: 'HASH' },
            { AttributeName: 'startedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    });
  });
});

describe('reading a table of the template', () => {
  it('should read partition and sort keys with their types, indexes and time to live', () => {
    const spec = readTableSpec('Ledger', 'AmiLifecycle-Ledger', {
      Properties: {
        KeySchema: [
          { AttributeName: 'requestId', KeyType: 'HASH' },
          { AttributeName: 'instanceName', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'requestId', AttributeType: 'S' },
          { AttributeName: 'instanceName', AttributeType: 'S' },
          { AttributeName: 'updatedAt', AttributeType: 'N' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byName',
            KeySchema: [
              { AttributeName: 'instanceName', KeyType: 'HASH' },
              { AttributeName: 'updatedAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['state'] },
          },
        ],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      },
    });

    expect(spec).toEqual({
      logicalId: 'Ledger',
      name: 'AmiLifecycle-Ledger',
      partitionKey: { name: 'requestId', type: 'S' },
      sortKey: { name: 'instanceName', type: 'S' },
      globalSecondaryIndexes: [
        {
          name: 'byName',
          partitionKey: { name: 'instanceName', type: 'S' },
          sortKey: { name: 'updatedAt', type: 'N' },
          projection: { type: 'INCLUDE', nonKeyAttributes: ['state'] },
        },
      ],
      timeToLiveAttribute: 'expiresAt',
    });
  });

  it('should refuse a key without an attribute definition, naming the table', () => {
    expect(() =>
      readTableSpec('Ledger', 'AmiLifecycle-Ledger', {
        Properties: {
          KeySchema: [{ AttributeName: 'requestId', KeyType: 'HASH' }],
          AttributeDefinitions: [],
        },
      }),
    ).toThrow(new TemplateResolutionError('Ledger: key requestId has no AttributeDefinition'));
  });
});
