// Test support shared by the notifier's tests: realistic events, a fake fetch, clock and sleep.
import { vi } from 'vitest';
import type { EventContract } from '../../events/contract';
import { createObservability } from '../shared/observability';
import type { DeliveryDeps } from './deliver-webhook';
import { type Notification, parseNotification } from './notification';

/** An EventBridge event as the Lambda service hands it to the notifier. */
export function eventBridgeEvent(contract: EventContract, detail: unknown) {
  return {
    version: '0',
    id: '7f3c9a52-1b2e-4d6f-8a90-3c4d5e6f7a8b',
    'detail-type': contract.detailType,
    source: contract.sources === 'any' ? 'example.deployer' : contract.sources[0],
    account: '111122223333',
    time: '2025-06-05T12:04:03Z',
    region: 'ap-northeast-2',
    resources: [],
    detail,
  };
}

export function notificationOf(contract: EventContract, detail: unknown): Notification {
  return parseNotification(eventBridgeEvent(contract, detail));
}

export interface RecordedRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly signal: AbortSignal | undefined;
}

/** A reply is a response, a thrown network error, or a function of the request (e.g. to hang). */
export type Reply = Response | Error | ((request: RecordedRequest) => Promise<Response>);

/** Answers each URL from its own queue of replies, in order; records every request. */
export function fakeFetch(replies: Record<string, Reply[]>) {
  const requests: RecordedRequest[] = [];
  const fetch = vi.fn(async (input: string | URL | Request, init?: RequestInit) => {
    const request: RecordedRequest = {
      url: String(input),
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: String(init?.body),
      signal: init?.signal ?? undefined,
    };
    requests.push(request);
    const reply = replies[request.url]?.shift();
    if (reply === undefined) throw new Error(`no reply left for ${request.url}`);
    if (reply instanceof Error) throw reply;
    return typeof reply === 'function' ? reply(request) : reply;
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, requests };
}

/** A clock that only moves when the code under test sleeps, and records each sleep. */
export function fakeTime(start = '2025-06-05T12:04:05.000Z') {
  let now = Date.parse(start);
  const sleeps: number[] = [];
  const deps: Omit<DeliveryDeps, 'fetch'> = {
    clock: () => new Date(now),
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    random: () => 0.5,
  };
  return { ...deps, sleeps, advance: (ms: number) => (now += ms) };
}

/** Everything the process writes (Powertools logs and EMF metrics) while a test runs. */
export function captureOutput() {
  const lines: string[] = [];
  const record = (chunk: unknown) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(record);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(record);
  return {
    lines,
    text: () => lines.join('\n'),
    json: () => lines.flatMap((line) => (line.startsWith('{') ? [JSON.parse(line)] : [])),
    restore: () => {
      stdout.mockRestore();
      stderr.mockRestore();
    },
  };
}

/** Count of `WebhookDeliveries` per `outcome` in captured EMF lines. */
export function deliveryOutcomes(records: Record<string, unknown>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const record of records) {
    const outcome = record.outcome;
    const value = record.WebhookDeliveries;
    if (typeof outcome === 'string' && typeof value === 'number') {
      counts[outcome] = (counts[outcome] ?? 0) + value;
    }
  }
  return counts;
}

/** Fresh Powertools logger and metrics, writing to the (captured) process output. */
export function observability() {
  return createObservability('notifier');
}
