import type { TaskHandler } from '../sfn/step-functions';
import type { EventBus, PutEventsEntry } from './bus';

/**
 * Answers Step Functions' optimized `arn:aws:states:::events:putEvents` integration with the local
 * bus. As in AWS, an entry's `Detail` is a JSON object (Step Functions serialises it), and a call
 * with any failed entry fails the task with `EventBridge.FailedEntry`, so `Retry`/`Catch` see it.
 *
 * Entries go out under the call's idempotency key: an execution rerun after a restart (AWS would
 * have resumed it) does not publish again what its stopped run published, and a retry after a
 * partly failed call publishes only the entries that failed.
 */
export function putEventsTaskHandler(bus: EventBus): TaskHandler {
  return async (input, { idempotencyKey }) => {
    const entries = (input as { Entries?: unknown })?.Entries;
    if (!Array.isArray(entries))
      throw taskError('States.Runtime', 'events:putEvents needs an Entries array');
    const converted = entries.map(
      (entry: Record<string, unknown>): PutEventsEntry => ({
        ...(entry as PutEventsEntry),
        Detail: typeof entry.Detail === 'string' ? entry.Detail : JSON.stringify(entry.Detail),
      }),
    );
    let result: ReturnType<EventBus['putEvents']>;
    try {
      result = bus.putEvents(converted, { idempotencyKey });
    } catch (error) {
      throw taskError(
        `EventBridge.${(error as { code?: string }).code ?? 'EventBridgeException'}`,
        (error as Error).message,
      );
    }
    if (result.FailedEntryCount > 0)
      throw taskError('EventBridge.FailedEntry', JSON.stringify(result));
    return result;
  };
}

function taskError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
