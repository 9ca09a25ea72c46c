// Floor of the creator function: one call of each kind it makes for a found instance (look for an
// earlier image, find the instance, create the image, start the watcher, publish), nothing else.
import {
  CreateImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';

const ec2 = new EC2Client({});
const sfn = new SFNClient({});
const eventBridge = new EventBridgeClient({});

export async function handler(event: { detail: { data: { instanceNames: string[] } } }) {
  const name = event.detail.data.instanceNames[0] ?? 'service-api';
  await ec2.send(
    new DescribeImagesCommand({
      Owners: ['self'],
      Filters: [{ Name: 'tag:Name', Values: [name] }],
    }),
  );
  const { Reservations } = await ec2.send(
    new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: [name] }] }),
  );
  const instanceId = Reservations?.[0]?.Instances?.[0]?.InstanceId;
  const { ImageId } = await ec2.send(
    new CreateImageCommand({ InstanceId: instanceId, Name: `${name}-Deploy-2025-06-05_12_00` }),
  );
  await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: process.env.STATE_MACHINE_ARN,
      name: 'request',
      input: JSON.stringify({ imageId: ImageId }),
    }),
  );
  await eventBridge.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: process.env.EVENT_BUS_NAME,
          Source: 'ami-lifecycle.creator',
          DetailType: 'AmiCreated',
          Detail: JSON.stringify({ imageId: ImageId }),
        },
      ],
    }),
  );
}
