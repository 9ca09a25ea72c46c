// Run as a child process by local-dynamodb.test.ts: writes one item, says so, and waits to be
// killed, so the test can check what survives a SIGKILL.
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { serveDynamoDb } from './serve-dynamodb';

const path = process.argv[2];
if (!path) throw new Error('usage: write-and-hang.ts <folder>');
// The servers it starts keep the process alive until the test kills it.
const { client } = await serveDynamoDb({ path });
await client.send(
  new PutItemCommand({
    TableName: 'AmiLifecycle-PurgeJournal',
    Item: { runId: { S: 'run-1' }, entry: { S: 'deletion#ami-1' }, state: { S: 'journaled' } },
  }),
);
process.stdout.write('written\n');
