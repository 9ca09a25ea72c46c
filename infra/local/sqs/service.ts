import * as z from '../../../events/zod';
import { AwsJsonError, createJsonService, parseInput } from '../endpoint/json-protocol';
import type { LocalService } from '../protocol';
import { type LocalQueues, md5Hex, type QueueMessage, SqsError } from './queues';

const messageAttributes = z.optional(
  z.record(z.string(), z.object({ DataType: z.string(), StringValue: z.optional(z.string()) })),
);
const getQueueUrlInput = z.object({ QueueName: z.string() });
const queueUrlInput = z.object({ QueueUrl: z.string() });
const sendMessageInput = z.object({
  QueueUrl: z.string(),
  MessageBody: z.string(),
  MessageAttributes: messageAttributes,
});
const receiveMessageInput = z.object({
  QueueUrl: z.string(),
  MaxNumberOfMessages: z.optional(z.number()),
});
const changeMessageVisibilityInput = z.object({
  QueueUrl: z.string(),
  ReceiptHandle: z.string(),
  VisibilityTimeout: z.number(),
});
const deleteMessageInput = z.object({ QueueUrl: z.string(), ReceiptHandle: z.string() });

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
        const { QueueName } = parseInput(getQueueUrlInput, input);
        return { QueueUrl: urlOf(queues.queue(QueueName).name) };
      },
      SendMessage: (input) => {
        const request = parseInput(sendMessageInput, input);
        const message = queues.send(
          request.QueueUrl,
          request.MessageBody,
          stringValues(request.MessageAttributes ?? {}),
        );
        return { MessageId: message.messageId, MD5OfMessageBody: md5Hex(message.body) };
      },
      ReceiveMessage: (input) => {
        const request = parseInput(receiveMessageInput, input);
        const messages = queues.receive(request.QueueUrl, request.MaxNumberOfMessages ?? 1);
        return { Messages: messages.map(receivedMessage) };
      },
      ChangeMessageVisibility: (input) => {
        const request = parseInput(changeMessageVisibilityInput, input);
        queues.changeVisibility(request.QueueUrl, request.ReceiptHandle, request.VisibilityTimeout);
        return {};
      },
      DeleteMessage: (input) => {
        const request = parseInput(deleteMessageInput, input);
        queues.delete(request.QueueUrl, request.ReceiptHandle);
        return {};
      },
      GetQueueAttributes: (input) => {
        const request = parseInput(queueUrlInput, input);
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

/** The local queues keep string message attributes only: their values, by name. */
function stringValues(
  attributes: Readonly<Record<string, { readonly StringValue?: string }>>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [name, value.StringValue ?? '']),
  );
}

/** A message as ReceiveMessage answers it, with its receipt handle. */
function receivedMessage(message: QueueMessage) {
  return {
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
  };
}
