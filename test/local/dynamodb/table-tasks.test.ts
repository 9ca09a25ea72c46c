import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import {
  dynamoDbTaskHandler,
  UnsupportedTaskResourceError,
} from '../../../infra/local/dynamodb/table-tasks';
import { CHECKS, REGION, serveDynamoDb } from './serve-dynamodb';

const SDK_PUT_AND_WAIT = 'arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken';
const SDK_DELETE = 'arn:aws:states:::aws-sdk:dynamodb:deleteItem';
const OPTIMIZED_GET = 'arn:aws:states:::dynamodb:getItem';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tasks() {
  const served = await serveDynamoDb({ tables: [CHECKS] });
  cleanups.push(served.close);
  const { client } = served.dynamodb;
  return {
    put: dynamoDbTaskHandler(client, SDK_PUT_AND_WAIT),
    remove: dynamoDbTaskHandler(client, SDK_DELETE),
    get: dynamoDbTaskHandler(client, OPTIMIZED_GET),
  };
}

const key = { imageId: { S: 'ami-1' } };

describe("the watcher's DynamoDB Tasks on the local DynamoDB", () => {
  it('should put, overwrite, get and delete a waiting check', async () => {
    const { put, remove, get } = await tasks();
    await put({ TableName: CHECKS.name, Item: { ...key, taskToken: { S: 'one' } } });
    await put({ TableName: CHECKS.name, Item: { ...key, taskToken: { S: 'two' } } });

    expect(await get({ TableName: CHECKS.name, Key: key, ConsistentRead: true })).toEqual({
      Item: { ...key, taskToken: { S: 'two' } },
    });
    expect(await remove({ TableName: CHECKS.name, Key: key })).toEqual({});
    expect(await get({ TableName: CHECKS.name, Key: key })).toEqual({});
  });

  it('should name errors as the AWS SDK integration does: DynamoDb.<Code>', async () => {
    const { put } = await tasks();
    await put({ TableName: CHECKS.name, Item: key });

    await expect(
      put({
        TableName: CHECKS.name,
        Item: key,
        ConditionExpression: 'attribute_not_exists(imageId)',
      }),
    ).rejects.toMatchObject({ name: 'DynamoDb.ConditionalCheckFailedException' });
    await expect(
      put({ TableName: CHECKS.name, Item: { other: { S: 'x' } } }),
    ).rejects.toMatchObject({ name: 'DynamoDb.ValidationException' });
    await expect(put({ Item: key })).rejects.toMatchObject({
      name: 'DynamoDb.ValidationException',
    });
  });

  it('should name errors as the optimized integration does: DynamoDB.<Code>', async () => {
    const { get } = await tasks();
    await expect(get({ TableName: 'AmiLifecycle-Other', Key: key })).rejects.toMatchObject({
      name: 'DynamoDB.ResourceNotFoundException',
    });
  });

  it('should refuse a resource it cannot answer when the handler is made', async () => {
    const client = new DynamoDBClient({ region: REGION });
    expect(() =>
      dynamoDbTaskHandler(client, 'arn:aws:states:::aws-sdk:dynamodb:transactWriteItems'),
    ).toThrow(UnsupportedTaskResourceError);
    client.destroy();
  });
});
