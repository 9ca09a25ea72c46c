import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';
import { describeResource, TEMPLATE_METADATA } from '../template-metadata';

export interface DeadLetterQueueProps {
  /** What lands here, e.g. `creator: failed invocations`; shown on the alarm and dashboard. */
  readonly purpose: string;
}

/**
 * An encrypted SQS queue that keeps what an asynchronous path gave up on for 14 days (SQS's
 * maximum), so an operator can read the reason and redrive. Monitoring alarms on every instance.
 */
export class DeadLetterQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly purpose: string;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.purpose = props.purpose;
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    describeResource(this.queue, {
      [TEMPLATE_METADATA.role]: 'dead-letters',
      [TEMPLATE_METADATA.deadLetters]: props.purpose,
    });
    acknowledge(
      this.queue,
      'AwsSolutions-SQS3',
      'This queue is itself a dead-letter queue; a queue behind it would only hide failures.',
    );
  }
}
