import type { HistoryEvent } from './history';
import type { ExecutionRecord } from './store';

/** The history of an execution whose events were not recorded (it ran before a restart). */
export function restoredHistory(record: ExecutionRecord): HistoryEvent[] {
  const started: HistoryEvent = {
    id: 1,
    previousEventId: 0,
    timestamp: record.startDate,
    type: 'ExecutionStarted',
    details: {
      executionStartedEventDetails: { input: record.input, inputDetails: { truncated: false } },
    },
  };
  if (record.status === 'RUNNING' || record.stopDate === undefined) return [started];
  const ended = (type: string, details: Record<string, unknown>): HistoryEvent => ({
    id: 2,
    previousEventId: 1,
    timestamp: record.stopDate as string,
    type,
    details,
  });
  const failure = {
    ...(record.error === undefined ? {} : { error: record.error }),
    ...(record.cause === undefined ? {} : { cause: record.cause }),
  };
  switch (record.status) {
    case 'SUCCEEDED':
      return [
        started,
        ended('ExecutionSucceeded', {
          executionSucceededEventDetails: {
            output: record.output ?? 'null',
            outputDetails: { truncated: false },
          },
        }),
      ];
    case 'FAILED':
      return [started, ended('ExecutionFailed', { executionFailedEventDetails: failure })];
    case 'TIMED_OUT':
      return [started, ended('ExecutionTimedOut', { executionTimedOutEventDetails: failure })];
    default:
      return [started, ended('ExecutionAborted', { executionAbortedEventDetails: failure })];
  }
}
