import { existsSync, readFileSync } from 'node:fs';
import type { SQSEvent } from 'aws-lambda';
import type { DeadLetter } from '../events/model';
import { saveSnapshot } from '../persistence/save-after-changes';
import type { LocalService } from '../protocol';
import type { LocalTemplate } from '../template/local-template';
import type { Timeline } from '../timeline';
import { queuedDeadLetter } from './dead-letters';
import { type EventSourceMapping, startEventSourceMapping } from './event-source-mapping';
import { LocalQueues, type QueueMessage } from './queues';
import { createSqsService } from './service';

export interface LocalSqsOptions {
  readonly template: LocalTemplate;
  readonly region: string;
  readonly accountId: string;
  /** See `LocalQueuesOptions.timeScale`. */
  readonly timeScale: number;
  /** JSON file keeping the queues' messages across restarts. */
  readonly statePath: string;
  readonly invokeFunction: (functionName: string, event: SQSEvent) => Promise<unknown>;
  readonly onDeadLetter: (deadLetter: DeadLetter) => void;
  readonly timeline: Timeline;
}

export interface LocalSqs {
  readonly queues: LocalQueues;
  /** The JSON protocol service, once the endpoint's URL is known (for GetQueueUrl). */
  service(endpointUrl: string): LocalService;
  /** Points the template's queue URLs in a function's environment at the local endpoint. */
  localizeQueueUrls(environment: Record<string, string>, endpointUrl: string): void;
  whenIdle(): Promise<void>;
  save(): void;
  stop(): Promise<void>;
}

/**
 * The template's queues and event source mappings, in process: rule targets put events in them,
 * functions read them in batches, the notifier changes visibility and sends dead letters.
 */
export function startLocalSqs(options: LocalSqsOptions): LocalSqs {
  const { template, region, accountId, timeline } = options;
  // Saved at every send and delete, before the answer: a message SQS acknowledged survives a kill.
  const save = () => saveSnapshot(options.statePath, queues.snapshotState());
  const queues: LocalQueues = new LocalQueues({
    onChange: () => save(),
    queues: template.queues,
    timeScale: options.timeScale,
    onDeadLetter: (queue, message) => options.onDeadLetter(queuedDeadLetter(queue, message)),
    ...(existsSync(options.statePath)
      ? { state: JSON.parse(readFileSync(options.statePath, 'utf8')) }
      : {}),
  });
  const mappings: EventSourceMapping[] = template.eventSourceMappings.map((mapping) =>
    startEventSourceMapping({
      ...mapping,
      queues,
      region,
      invoke: (event) => options.invokeFunction(mapping.functionName, event),
      onRetry: (message, why) =>
        timeline({
          kind: 'function',
          text: `${mapping.functionName}: ${describeMessage(message)} ${why}; receive ${message.receiveCount}, back in the queue`,
        }),
    }),
  );
  const templateOrigin = `http://sqs.${region}.localhost/${accountId}/`;
  return {
    queues,
    service: (endpointUrl) =>
      createSqsService(queues, (name) => `${endpointUrl}/${accountId}/${name}`),
    localizeQueueUrls(environment, endpointUrl) {
      for (const [key, value] of Object.entries(environment)) {
        if (value.startsWith(templateOrigin)) {
          environment[key] = `${endpointUrl}/${accountId}/${value.slice(templateOrigin.length)}`;
        }
      }
    },
    async whenIdle() {
      for (const mapping of mappings) await mapping.whenIdle();
    },
    save,
    async stop() {
      await Promise.all(mappings.map((mapping) => mapping.stop()));
    },
  };
}

function describeMessage(message: QueueMessage): string {
  try {
    const event = JSON.parse(message.body) as { 'detail-type'?: unknown; id?: unknown };
    return `${String(event['detail-type'])} (${String(event.id)})`;
  } catch {
    return `message ${message.messageId}`;
  }
}
