// Test support: a small HTTP server standing in for the API on a free port, answering from a
// script, and test dependencies for runCli with a fake clock and collected output.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { NameStatus, RequestStatus } from '../services/api/request-status';
import type { CliDeps } from './cli-deps';
import type { OutputStream } from './output-stream';

export interface RecordedCall {
  readonly method: string;
  /** Path and query as sent, e.g. `/prod/requests/r-1`. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface Answer {
  readonly status: number;
  readonly body?: unknown;
}

export interface FakeApi {
  /** The stage URL, e.g. `http://127.0.0.1:PORT/prod`. */
  readonly url: string;
  readonly calls: RecordedCall[];
  close(): Promise<void>;
}

/** Answers each call with `answer(call)`; a thrown error becomes a 500. */
export async function startFakeApi(answer: (call: RecordedCall) => Answer): Promise<FakeApi> {
  const calls: RecordedCall[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const call: RecordedCall = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      calls.push(call);
      let reply: Answer;
      try {
        reply = answer(call);
      } catch (error) {
        reply = { status: 500, body: { message: String(error) } };
      }
      response.writeHead(reply.status, { 'content-type': 'application/json' });
      response.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/prod`,
    calls,
    close: () =>
      new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      ),
  };
}

/** Answers the scripted answers in turn, repeating the last one. */
export function inTurn(...answers: Answer[]): () => Answer {
  let next = 0;
  return () => {
    const answer = answers[Math.min(next, answers.length - 1)] as Answer;
    next += 1;
    return answer;
  };
}

export class CollectedOutput implements OutputStream {
  text = '';
  constructor(readonly isTTY = false) {}
  write(text: string): boolean {
    this.text += text;
    return true;
  }
}

export const T0 = new Date('2025-06-20T03:00:00.000Z');

export interface TestCli {
  readonly deps: CliDeps;
  readonly stdout: CollectedOutput;
  readonly stderr: CollectedOutput;
  /** The fake clock's current reading; `sleep` advances it. */
  now(): Date;
}

/** Dependencies for runCli: a fake clock that sleeping advances, and no AWS at all. */
export function testCli(overrides: Partial<CliDeps> = {}, tty = false): TestCli {
  let now = T0.getTime();
  const stdout = new CollectedOutput(tty);
  const stderr = new CollectedOutput(tty);
  const deps: CliDeps = {
    stdout,
    stderr,
    env: {},
    clock: () => new Date(now),
    sleep: async (ms) => {
      now += ms;
    },
    fetch: globalThis.fetch,
    pollIntervalMs: 10_000,
    newRequestId: () => 'generated-id',
    readStackApiUrl: async () => undefined,
    signerFor: async () => {
      throw new Error('a local target must not be signed');
    },
    ec2For: async () => new EC2Client({ region: 'us-east-1' }),
    ...overrides,
  };
  return { deps, stdout, stderr, now: () => new Date(now) };
}

export function nameStatus(overrides: Partial<NameStatus> = {}): NameStatus {
  return {
    instanceName: 'service-api',
    state: 'pending',
    requestedAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
    ...overrides,
  };
}

export function requestStatus(
  state: RequestStatus['state'],
  names: NameStatus[] = [nameStatus({ state })],
): RequestStatus {
  return { requestId: 'r-1', state, requestedAt: T0.toISOString(), names };
}

export const AVAILABLE_API = nameStatus({
  state: 'available',
  instanceId: 'i-0123456789abcdef0',
  imageId: 'ami-0123456789abcdef0',
  imageName: 'service-api-Deploy-2025-06-20_03_00',
  availableAt: T0.toISOString(),
});
