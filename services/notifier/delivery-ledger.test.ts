import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DELIVERY_KEYS,
  type DeliveryLedger,
  dynamoDbDeliveryLedger,
  targetKey,
} from './delivery-ledger';

const URL_A = 'https://hooks.slack.com/services/T0SECRET/B0SECRET/slacktokensecret';
let server: ReturnType<typeof dynalite>;
let dynamodb: DynamoDBClient;
let ledger: DeliveryLedger;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  dynamodb = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'ap-northeast-2',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await dynamodb.send(
    new CreateTableCommand({
      TableName: 'deliveries',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: DELIVERY_KEYS.partition, KeyType: 'HASH' },
        { AttributeName: DELIVERY_KEYS.sort, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: DELIVERY_KEYS.partition, AttributeType: 'S' },
        { AttributeName: DELIVERY_KEYS.sort, AttributeType: 'S' },
      ],
    }),
  );
  ledger = dynamoDbDeliveryLedger({
    dynamodb,
    tableName: 'deliveries',
    now: () => new Date('2025-06-05T12:00:00Z'),
  });
});
afterAll(async () => {
  dynamodb.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe('dynamoDbDeliveryLedger', () => {
  it('should key a target by a stable hash that does not contain its URL', () => {
    expect(targetKey(URL_A)).toBe(targetKey(URL_A));
    expect(targetKey(URL_A)).not.toBe(targetKey(`${URL_A}x`));
    expect(targetKey(URL_A)).not.toContain('slacktokensecret');
  });

  it('should keep a delivery recorded, whatever is recorded after it', async () => {
    await ledger.record('event-1', 'a', { outcome: 'delivered' });
    await ledger.record('event-1', 'a', { outcome: 'rejected', status: 410 });
    await ledger.forgetRejections('event-1', ['a']);
    expect(await ledger.recorded('event-1')).toEqual(new Map([['a', { outcome: 'delivered' }]]));
  });

  it('should let a delivery replace a rejection, and forget rejections on request', async () => {
    await ledger.record('event-2', 'a', { outcome: 'rejected', status: 404 });
    await ledger.record('event-2', 'b', { outcome: 'rejected', status: 403 });
    expect((await ledger.recorded('event-2')).get('a')).toEqual({
      outcome: 'rejected',
      status: 404,
    });
    await ledger.record('event-2', 'a', { outcome: 'delivered' });
    await ledger.forgetRejections('event-2', ['b']);
    expect(await ledger.recorded('event-2')).toEqual(new Map([['a', { outcome: 'delivered' }]]));
  });
});
