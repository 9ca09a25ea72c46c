// Floor of the api function: its two AWS calls (the request recorded in the ledger, then
// PutEvents) and nothing else.
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';

const dynamodb = new DynamoDBClient({});
const eventBridge = new EventBridgeClient({});

export async function handler(event: { body?: string | null }) {
  await dynamodb.send(
    new UpdateItemCommand({
      TableName: process.env.LEDGER_TABLE_NAME,
      Key: { requestId: { S: 'request' }, instanceName: { S: 'service-api' } },
      UpdateExpression: 'SET #state = :requested',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':requested': { S: 'requested' } },
    }),
  );
  await eventBridge.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: process.env.EVENT_BUS_NAME,
          Source: 'ami-lifecycle.api',
          DetailType: 'AmiRequested',
          Detail: event.body ?? '{}',
        },
      ],
    }),
  );
  return { statusCode: 202, body: '{}' };
}
