// Floor of the janitor function with nothing to purge: list the deploy images, publish the report.
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';

const ec2 = new EC2Client({});
const eventBridge = new EventBridgeClient({});

export async function handler() {
  const { Images } = await ec2.send(
    new DescribeImagesCommand({
      Owners: ['self'],
      Filters: [{ Name: 'tag:Reason', Values: ['Deploy'] }],
    }),
  );
  await eventBridge.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: process.env.EVENT_BUS_NAME,
          Source: 'ami-lifecycle.janitor',
          DetailType: 'AmiPurged',
          Detail: JSON.stringify({ deleted: Images?.length ?? 0 }),
        },
      ],
    }),
  );
}
