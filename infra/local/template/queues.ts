import { TEMPLATE_METADATA } from '../../template-metadata';
import { resolveString } from './intrinsics';
import type { LocalTemplateEventSourceMapping, LocalTemplateQueue } from './local-template';
import { type Resource, type ResourceNames, resourcesOfType } from './resource-names';

/** The queues, with their visibility timeout, retention and redrive policy. */
export function readQueues(
  resources: Record<string, Resource>,
  names: ResourceNames,
): LocalTemplateQueue[] {
  return resourcesOfType(resources, 'AWS::SQS::Queue').map(([logicalId, queue]) => {
    const props = queue.Properties ?? {};
    const redrive = props.RedrivePolicy as
      | { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown }
      | undefined;
    return {
      name: names.physicalName(logicalId),
      arn: names.arn(queue.Type, names.physicalName(logicalId)),
      // SQS's defaults: 30 s and 4 days.
      visibilityTimeoutSeconds: Number(props.VisibilityTimeout ?? 30),
      retentionSeconds: Number(props.MessageRetentionPeriod ?? 345_600),
      ...(redrive?.deadLetterTargetArn === undefined
        ? {}
        : {
            redrive: {
              deadLetterArn: resolveString(
                redrive.deadLetterTargetArn,
                names.context,
                `${logicalId} RedrivePolicy`,
              ),
              maxReceiveCount: Number(redrive.maxReceiveCount ?? 10),
            },
          }),
      deadLetters: isDeadLetterQueue(queue),
    };
  });
}

/** The queues with `ami-lifecycle:role: dead-letters` metadata. */
export function readDeadLetterQueueArns(
  resources: Record<string, Resource>,
  names: ResourceNames,
): string[] {
  return resourcesOfType(resources, 'AWS::SQS::Queue')
    .filter(([, queue]) => isDeadLetterQueue(queue))
    .map(([logicalId, queue]) => names.arn(queue.Type, names.physicalName(logicalId)));
}

/** The functions reading from queues, with their batch size and partial batch failures. */
export function readEventSourceMappings(
  resources: Record<string, Resource>,
  names: ResourceNames,
): LocalTemplateEventSourceMapping[] {
  const { context } = names;
  return resourcesOfType(resources, 'AWS::Lambda::EventSourceMapping').map(
    ([logicalId, mapping]) => {
      const props = mapping.Properties ?? {};
      return {
        queueArn: resolveString(props.EventSourceArn, context, `${logicalId} EventSourceArn`),
        functionName: resolveString(props.FunctionName, context, `${logicalId} FunctionName`),
        batchSize: Number(props.BatchSize ?? 10),
        reportBatchItemFailures: (
          (props.FunctionResponseTypes as unknown[] | undefined) ?? []
        ).includes('ReportBatchItemFailures'),
      };
    },
  );
}

function isDeadLetterQueue(queue: Resource): boolean {
  return queue.Metadata?.[TEMPLATE_METADATA.role] === 'dead-letters';
}
