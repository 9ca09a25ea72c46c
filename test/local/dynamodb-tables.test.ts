import { describe, expect, it } from 'vitest';
import { createLocalTables } from '../../infra/local/dynamodb/tables';

const tables = () =>
  createLocalTables([{ logicalId: 'Checks', name: 'Checks', partitionKey: 'imageId' }]);

describe('local DynamoDB tables', () => {
  it('should put, get, overwrite and delete items by partition key', () => {
    const local = tables();
    const key = { imageId: { S: 'ami-1' } };
    local.putItem({ TableName: 'Checks', Item: { ...key, taskToken: { S: 'one' } } });
    local.putItem({ TableName: 'Checks', Item: { ...key, taskToken: { S: 'two' } } });

    expect(local.getItem({ TableName: 'Checks', Key: key })).toEqual({
      Item: { ...key, taskToken: { S: 'two' } },
    });
    local.deleteItem({ TableName: 'Checks', Key: key });
    expect(local.getItem({ TableName: 'Checks', Key: key })).toEqual({});
  });

  it('should answer an unknown table and a missing key with DynamoDB errors', () => {
    const local = tables();
    expect(() => local.getItem({ TableName: 'Other', Key: { imageId: { S: 'x' } } })).toThrow(
      expect.objectContaining({ name: 'DynamoDb.ResourceNotFoundException' }),
    );
    expect(() => local.putItem({ TableName: 'Checks', Item: { other: { S: 'x' } } })).toThrow(
      expect.objectContaining({ name: 'DynamoDb.ValidationException' }),
    );
  });
});
