import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import {
  DescribeTableCommand,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalDynamoDbError } from '../../../infra/local/dynamodb/local-dynamodb';
import { SavedTableError } from '../../../infra/local/dynamodb/template-tables';
import { temporaryFolder } from '../../tools';
import { CHECKS, JOURNAL, serveDynamoDb } from './serve-dynamodb';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(options: Parameters<typeof serveDynamoDb>[0] = {}) {
  const served = await serveDynamoDb(options);
  cleanups.push(served.close);
  return served;
}

function stateFolder(): string {
  return join(temporaryFolder('dynamodb'), 'dynamodb');
}

const run = (runId: string, entry: string) => ({ runId: { S: runId }, entry: { S: entry } });

describe('the local DynamoDB through the local endpoint', () => {
  it('should create every template table, with its keys and indexes, at start', async () => {
    const { client } = await serve();

    const { TableNames } = await client.send(new ListTablesCommand({}));
    expect(TableNames).toEqual([JOURNAL.name, CHECKS.name].sort());
    const { Table } = await client.send(new DescribeTableCommand({ TableName: JOURNAL.name }));
    expect(Table).toMatchObject({
      TableStatus: 'ACTIVE',
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
      KeySchema: [
        { AttributeName: 'runId', KeyType: 'HASH' },
        { AttributeName: 'entry', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        expect.objectContaining({
          IndexName: 'byState',
          KeySchema: [
            { AttributeName: 'state', KeyType: 'HASH' },
            { AttributeName: 'startedAt', KeyType: 'RANGE' },
          ],
        }),
      ],
    });
  });

  it('should refuse a conditional PutItem whose condition fails, keeping the first item', async () => {
    const { client } = await serve();
    const claim = (owner: string) =>
      client.send(
        new PutItemCommand({
          TableName: JOURNAL.name,
          Item: { ...run('run-1', 'lock'), holder: { S: owner } },
          ConditionExpression: 'attribute_not_exists(runId)',
        }),
      );

    await claim('first');
    await expect(claim('second')).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
    });
    const { Item } = await client.send(
      new GetItemCommand({
        TableName: JOURNAL.name,
        Key: run('run-1', 'lock'),
        ConsistentRead: true,
      }),
    );
    expect(Item?.holder).toEqual({ S: 'first' });
  });

  it('should count with UpdateItem ADD until its condition stops it at the cap', async () => {
    const { client } = await serve();
    const countDeletion = () =>
      client.send(
        new UpdateItemCommand({
          TableName: JOURNAL.name,
          Key: run('run-1', 'counter'),
          UpdateExpression: 'ADD deleted :one',
          ConditionExpression: 'attribute_not_exists(deleted) OR deleted < :cap',
          ExpressionAttributeValues: { ':one': { N: '1' }, ':cap': { N: '2' } },
          ReturnValues: 'UPDATED_NEW',
        }),
      );

    expect((await countDeletion()).Attributes).toEqual({ deleted: { N: '1' } });
    expect((await countDeletion()).Attributes).toEqual({ deleted: { N: '2' } });
    await expect(countDeletion()).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
    });
  });

  it('should Query a partition by sort key prefix with begins_with', async () => {
    const { client } = await serve();
    for (const entry of ['deletion#ami-2', 'deletion#ami-1', 'lock', 'skip#ami-3']) {
      await client.send(new PutItemCommand({ TableName: JOURNAL.name, Item: run('run-1', entry) }));
    }
    await client.send(
      new PutItemCommand({ TableName: JOURNAL.name, Item: run('run-2', 'deletion#ami-9') }),
    );

    const { Items } = await client.send(
      new QueryCommand({
        TableName: JOURNAL.name,
        KeyConditionExpression: 'runId = :run AND begins_with(#entry, :prefix)',
        ExpressionAttributeNames: { '#entry': 'entry' },
        ExpressionAttributeValues: { ':run': { S: 'run-1' }, ':prefix': { S: 'deletion#' } },
        ConsistentRead: true,
      }),
    );
    expect(Items?.map((item) => item.entry?.S)).toEqual(['deletion#ami-1', 'deletion#ami-2']);
  });

  it('should answer an action dynalite lacks, such as TransactWriteItems, with UnknownOperationException', async () => {
    const { url } = await serve();
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.TransactWriteItems',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20250101/ap-northeast-2/dynamodb/aws4_request, SignedHeaders=host, Signature=local',
        'x-amz-date': '20250101T000000Z',
      },
      body: JSON.stringify({ TransactItems: [] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      __type: expect.stringMatching(/UnknownOperationException$/),
    });
  });

  it('should keep tables and items across a stop and a start on the same folder', async () => {
    const path = stateFolder();
    const first = await serveDynamoDb({ path });
    await first.client.send(
      new PutItemCommand({
        TableName: JOURNAL.name,
        Item: { ...run('run-1', 'lock'), holder: { S: 'a' } },
      }),
    );
    await first.close();

    const second = await serve({ path });
    const { Item } = await second.client.send(
      new GetItemCommand({ TableName: JOURNAL.name, Key: run('run-1', 'lock') }),
    );
    expect(Item?.holder).toEqual({ S: 'a' });
    const { TableNames } = await second.client.send(new ListTablesCommand({}));
    expect(TableNames).toHaveLength(2);
  });

  it('should keep an acknowledged item when the process is killed with SIGKILL', {
    timeout: 60_000,
  }, async () => {
    const path = stateFolder();
    const writer = spawn(
      process.execPath,
      ['--import', 'tsx', resolve(import.meta.dirname, 'write-and-hang.ts'), path],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    cleanups.push(() => void writer.kill('SIGKILL'));
    const written = await new Promise<string>((done, fail) => {
      let output = '';
      writer.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('\n')) done(output.trim());
      });
      writer.once('exit', (code) => fail(new Error(`the writer exited with ${code}: ${output}`)));
    });
    expect(written).toBe('written');
    const exited = new Promise((done) => writer.once('exit', done));
    writer.kill('SIGKILL');
    await exited;

    const { client } = await serve({ path });
    const { Item } = await client.send(
      new GetItemCommand({ TableName: JOURNAL.name, Key: run('run-1', 'deletion#ami-1') }),
    );
    expect(Item?.state).toEqual({ S: 'journaled' });
  });

  it('should refuse to open a folder another local DynamoDB has open', async () => {
    const path = stateFolder();
    await serve({ path });
    await expect(serveDynamoDb({ path })).rejects.toThrow(LocalDynamoDbError);
  });

  it('should refuse a saved table whose keys differ from the template, keeping its items', async () => {
    const path = stateFolder();
    const first = await serveDynamoDb({ path, tables: [CHECKS] });
    await first.client.send(
      new PutItemCommand({ TableName: CHECKS.name, Item: { imageId: { S: 'ami-1' } } }),
    );
    await first.close();
    const changed = { ...CHECKS, sortKey: { name: 'checkedAt', type: 'N' as const } };

    await expect(serveDynamoDb({ path, tables: [changed] })).rejects.toThrow(SavedTableError);
    const again = await serve({ path, tables: [CHECKS] });
    const { Item } = await again.client.send(
      new GetItemCommand({ TableName: CHECKS.name, Key: { imageId: { S: 'ami-1' } } }),
    );
    expect(Item).toBeDefined();
  });
});
