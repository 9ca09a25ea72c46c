import {
  ChangeMessageVisibilityCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { NotificationQueue } from './notification-queue';

/** Message attribute carrying why a notification was dead-lettered. */
export const DEAD_LETTER_REASON_ATTRIBUTE = 'reason';

/** SQS's visibility timeout may not exceed 12 hours. */
const MAX_VISIBILITY_SECONDS = 43_200;

/** The notification queue and its dead-letter queue, over SQS. */
export function sqsNotificationQueue(
  sqs: SQSClient,
  urls: { readonly queueUrl: string; readonly deadLetterQueueUrl: string },
): NotificationQueue {
  return {
    async retryLater(receiptHandle, delaySeconds) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: urls.queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, delaySeconds)),
        }),
      );
    },
    async deadLetter(body, reason) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: urls.deadLetterQueueUrl,
          // Unchanged, so a redrive hands the notifier the very event it gave up on.
          MessageBody: body,
          MessageAttributes: {
            [DEAD_LETTER_REASON_ATTRIBUTE]: { DataType: 'String', StringValue: reason },
          },
        }),
      );
    },
  };
}
