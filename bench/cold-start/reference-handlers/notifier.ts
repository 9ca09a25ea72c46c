// Floor of the notifier function: one SQS record from its queue, the claimed image checked in EC2,
// the webhook targets read from Secrets Manager, one webhook posted and its delivery recorded.
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const ec2 = new EC2Client({});
const secrets = new SecretsManagerClient({});
const dynamodb = new DynamoDBClient({});

export async function handler(event: { Records: { body: string }[] }) {
  const { id, detail } = JSON.parse(event.Records[0]?.body ?? '{}') as {
    id: string;
    detail: { data: { imageId: string } };
  };
  await ec2.send(new DescribeImagesCommand({ ImageIds: [detail.data.imageId], Owners: ['self'] }));
  const { SecretString } = await secrets.send(
    new GetSecretValueCommand({ SecretId: process.env.WEBHOOK_SECRET_ARN }),
  );
  const [target] = JSON.parse(SecretString ?? '[]') as { url: string }[];
  if (target === undefined) throw new Error('the secret lists no webhook target');
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ body: 'AMI Is Available.', detail }),
  });
  await response.arrayBuffer();
  await dynamodb.send(
    new PutItemCommand({
      TableName: process.env.DELIVERY_TABLE_NAME,
      Item: { eventId: { S: id }, target: { S: target.url } },
    }),
  );
  return { batchItemFailures: [] };
}
