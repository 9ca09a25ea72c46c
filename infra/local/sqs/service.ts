import * as z from '../../../events/zod';
import { AwsJsonError, createJsonService, parseInput } from '../endpoint/json-protocol';
import type { LocalService } from '../protocol';
import { type LocalQueues, md5Hex, SqsError } from './queues';

const queueUrl = z.object({ QueueUrl: z.string() });
const attributes = z.optional(
  z.record(z.string(), z.object({ DataType: z.string(), StringValue: z.optional(z.string()) })),
);

/**
 * The SQS operations the services use, over SQS's JSON protocol (`X-Amz-Target: AmazonSQS.*`,
 * JSON 1.0), so the notifier's unchanged SDK client reaches the local queues. Also
 * ReceiveMessage, to read a dead-letter queue with the `aws` CLI.
 */
export function createSqsService(
  queues: LocalQueues,
  urlOf: (name: string) => string,
): LocalService {
  return createJsonService({
    targetPrefix: 'AmazonSQS',
    contentType: 'application/x-amz-json-1.0',
    mapError: (error) =>
      error instanceof SqsError ? new AwsJsonError(error.code, error.message) : undefined,
    operations: {
      GetQueueUrl: (input) => {
        const { QueueName } = parseInput(z.object({ QueueName: z.string() }), input);
        return { QueueUrl: urlOf(queues.queue(QueueName).name) };
      },
      SendMessage: (input) => {
        const request = parseInput(
          z.object({
            QueueUrl: z.string(),
            MessageBody: z.string(),
            MessageAttributes: attributes,
          }),
          input,
        );
        const message = queues.send(
          request.QueueUrl,
          request.MessageBody,
          Object.fromEntries(
            Object.entries(request.MessageAttributes ?? {}).map(([name, value]) => [
              name,
              value.StringValue ?? '',
            ]),
          ),
        );
        return { MessageId: message.messageId, MD5OfMessageBody: md5Hex(message.body) };
      },
      ReceiveMessage: (input) => {
        const request = parseInput(
          z.object({ QueueUrl: z.string(), MaxNumberOfMessages: z.optional(z.number()) }),
          input,
        );
        const messages = queues.receive(request.QueueUrl, request.MaxNumberOfMessages ?? 1);
        return {
          Messages: messages.map((message) => ({
            MessageId: message.messageId,
            ReceiptHandle: message.receiptHandle,
            Body: message.body,
            MD5OfBody: md5Hex(message.body),
            MessageAttributes: Object.fromEntries(
              Object.entries(message.attributes).map(([name, value]) => [
                name,
                { DataType: 'String', StringValue: value },
              ]),
            ),
          })),
        };
      },
      ChangeMessageVisibility: (input) => {
        const request = parseInput(
          z.object({
            QueueUrl: z.string(),
            ReceiptHandle: z.string(),
            VisibilityTimeout: z.number(),
          }),
          input,
        );
        queues.changeVisibility(request.QueueUrl, request.ReceiptHandle, request.VisibilityTimeout);
        return {};
      },
      DeleteMessage: (input) => {
        const request = parseInput(
          z.object({ QueueUrl: z.string(), ReceiptHandle: z.string() }),
          input,
        );
        queues.delete(request.QueueUrl, request.ReceiptHandle);
        return {};
      },
      GetQueueAttributes: (input) => {
        const request = parseInput(queueUrl, input);
        const spec = queues.queue(request.QueueUrl);
        return {
          Attributes: {
            QueueArn: spec.arn,
            ApproximateNumberOfMessages: String(queues.list(spec.name).length),
            VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
          },
        };
      },
    },
  });
}
