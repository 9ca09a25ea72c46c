import type { EventBus, PutEventsEntry } from './bus';

/**
 * Answers Step Functions' optimized `arn:aws:states:::events:putEvents` integration with the local
 * bus. As in AWS, an entry's `Detail` is a JSON object (Step Functions serialises it), and a call
 * with any failed entry fails the task with `EventBridge.FailedEntry`, so `Retry`/`Catch` see it.
 */
export function putEventsTaskHandler(bus: EventBus): (input: unknown) => Promise<unknown> {
  return async (input) => {
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
      result = bus.putEvents(converted);
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
