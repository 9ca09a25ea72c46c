// Floor of the api function: its one AWS call (PutEvents) and nothing else.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';

const eventBridge = new EventBridgeClient({});

export async function handler(event: { body?: string | null }) {
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
