import { randomUUID } from 'node:crypto';
import {
  MAX_PUT_EVENTS_ENTRIES,
  MAX_PUT_EVENTS_REQUEST_BYTES,
  type PutEventsSizedEntry,
  putEventsEntrySize,
} from '../../events/publish';
import type { LocalRequest, LocalResponse, LocalService } from '../../infra/local/protocol';

export interface BusStub extends LocalService {
  /** PutEvents calls answered, and entries accepted per detail-type. */
  counts(): { calls: number; entries: Record<string, number>; rejected: number };
}

/**
 * Answers the janitor's PutEvents as EventBridge does for a bus without rules: every entry
 * accepted, unless the call breaks EventBridge's limits, which fails it as AWS would. Routing is
 * not the benchmark's business: the driver delivers continuations itself.
 */
export function busStub(): BusStub {
  let calls = 0;
  let rejected = 0;
  const entries: Record<string, number> = {};
  return {
    counts: () => ({ calls, entries: { ...entries }, rejected }),
    async handle(request: LocalRequest): Promise<LocalResponse> {
      if (request.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
        return answer(400, { __type: 'UnknownOperationException', message: 'PutEvents only' });
      }
      calls += 1;
      const input = JSON.parse(request.body) as { Entries?: PutEventsSizedEntry[] };
      const list = input.Entries ?? [];
      // The limit is on the whole request, not on each entry.
      const requestBytes = list.reduce((sum, entry) => sum + putEventsEntrySize(entry), 0);
      if (
        list.length === 0 ||
        list.length > MAX_PUT_EVENTS_ENTRIES ||
        requestBytes > MAX_PUT_EVENTS_REQUEST_BYTES
      ) {
        rejected += 1;
        return answer(400, {
          __type: 'ValidationException',
          message: `1-${MAX_PUT_EVENTS_ENTRIES} entries of at most 256 KB in total (got ${list.length} entries, ${requestBytes} bytes)`,
        });
      }
      for (const entry of list) {
        const type = entry.DetailType ?? '';
        entries[type] = (entries[type] ?? 0) + 1;
      }
      return answer(200, {
        FailedEntryCount: 0,
        Entries: list.map(() => ({ EventId: randomUUID() })),
      });
    },
  };
}

function answer(statusCode: number, body: unknown): LocalResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() },
    body: JSON.stringify(body),
  };
}
