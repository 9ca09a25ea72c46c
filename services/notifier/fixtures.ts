// Test support shared by the notifier's tests: realistic events, a fake post, clock and sleep.
import type { SQSRecord } from 'aws-lambda';
import { vi } from 'vitest';
import type { EventContract } from '../../events/contract';
import { createObservability } from '../shared/observability';
import type { DeliveryDeps } from './deliver-webhook';
import { type Notification, parseNotification } from './notification';
import type { PostWebhook, WebhookAnswer } from './post-webhook';

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

/** A message of the notification queue, as Lambda's event source mapping hands it over. */
export function sqsRecord(
  body: unknown,
  receiveCount = 1,
  firstReceivedAt = new Date(),
): SQSRecord {
  return {
    messageId: `message-${receiveCount}`,
    receiptHandle: `receipt-${receiveCount}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(firstReceivedAt.getTime()),
      SenderId: 'AIDAEVENTBRIDGE',
      ApproximateFirstReceiveTimestamp: String(firstReceivedAt.getTime()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:ap-northeast-2:111122223333:notifications',
    awsRegion: 'ap-northeast-2',
  };
}

export function notificationOf(contract: EventContract, detail: unknown): Notification {
  return parseNotification(eventBridgeEvent(contract, detail));
}

export interface RecordedRequest {
  readonly url: string;
  /** Names lower-cased, as a receiver sees them. */
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly signal: AbortSignal;
}

/** A reply is an answer, a thrown network error, or a function of the request (e.g. to hang). */
export type Reply = WebhookAnswer | Error | ((request: RecordedRequest) => Promise<WebhookAnswer>);

/** The receiver's answer: a status and, optionally, its `Retry-After` header. */
export function answer(status = 200, retryAfter?: string): WebhookAnswer {
  return { status, retryAfter };
}

/**
 * A network error as node:http rejects with: a plain Error with a `code`, whose message names the
 * host (a failed lookup) or the address and port (a failed connection).
 */
export function networkError(code: string, url: string): Error {
  const { hostname, port } = new URL(url);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return Object.assign(new Error(`getaddrinfo ${code} ${hostname}`), {
      errno: -3008,
      code,
      syscall: 'getaddrinfo',
      hostname,
    });
  }
  return Object.assign(new Error(`connect ${code} 203.0.113.10:${port || 443}`), {
    errno: -111,
    code,
    syscall: 'connect',
    address: '203.0.113.10',
    port: Number(port || 443),
  });
}

/** What node:http rejects with when the request's signal aborts it. */
export function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), {
    name: 'AbortError',
    code: 'ABORT_ERR',
  });
}

/** Answers each URL from its own queue of replies, in order; records every request. */
export function fakePost(replies: Record<string, Reply[]>) {
  const requests: RecordedRequest[] = [];
  const post = vi.fn<PostWebhook>(async ({ url, headers, body }, signal) => {
    const request: RecordedRequest = {
      url,
      headers: Object.fromEntries(
        Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
      ),
      body,
      signal,
    };
    requests.push(request);
    const reply = replies[url]?.shift();
    if (reply === undefined) throw new Error(`no reply left for ${url}`);
    if (reply instanceof Error) throw reply;
    return typeof reply === 'function' ? reply(request) : reply;
  });
  return { post, requests };
}

/** A clock that only moves when the code under test sleeps, and records each sleep. */
export function fakeTime(start = '2025-06-05T12:04:05.000Z') {
  let now = Date.parse(start);
  const sleeps: number[] = [];
  const deps: Omit<DeliveryDeps, 'post'> = {
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
