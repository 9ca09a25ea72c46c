import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  validateHeaderName,
  validateHeaderValue,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import * as z from '../../events/zod';
import { LOCAL_ACCOUNT_ID } from './account';
import { closeDraining, limitSlowClients } from './http-server-lifecycle';

export interface ApiRoute {
  readonly stage: string;
  readonly method: string;
  /** The resource path, e.g. `/create-ami`. */
  readonly resourcePath: string;
  /** The integration's timeout (`TimeoutInMillis`): API Gateway's 29 s unless set. */
  readonly timeoutMs?: number;
  invoke(event: APIGatewayProxyEvent): Promise<unknown>;
}

export interface LocalApiGateway {
  readonly url: string;
  close(): Promise<void>;
}

const proxyResultSchema = z.object({
  statusCode: z.number(),
  headers: z.optional(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
  body: z.optional(z.string()),
  isBase64Encoded: z.optional(z.boolean()),
});

/** API Gateway REST APIs refuse payloads over 10 MB before invoking anything. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/** A REST API integration's default (and largest without a quota increase) timeout. */
export const DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000;

const CLOSE_GRACE_MS = 5_000;

/** Stands for an invocation the integration's timeout cut off. */
const TIMED_OUT = Symbol('integration timed out');

/**
 * A REST API with Lambda proxy integrations, as the template defines it: it turns HTTP requests
 * into API Gateway proxy events and the function's answers back into HTTP. Authorisation is not
 * enforced locally; the identity is a fixed local user.
 */
export async function startApiGateway(options: {
  routes: readonly ApiRoute[];
  /** The account the caller and the API belong to in request contexts. */
  accountId?: string;
  port?: number;
  host?: string;
  onRequest?: (line: { method: string; path: string; statusCode: number }) => void;
}): Promise<LocalApiGateway> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer((request, response) => {
    serve(request, response, options).catch(() => {
      // The client went away mid-request, or the answer cannot be written: nothing more can be said
      // to it, so its connection is closed. The gateway keeps serving everyone else.
      response.destroy();
    });
  });
  limitSlowClients(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    // Requests under way (a create-ami waiting for its function) finish before the stop goes on.
    close: () => closeDraining(server, CLOSE_GRACE_MS),
  };
}

async function serve(
  request: IncomingMessage,
  response: ServerResponse,
  options: {
    routes: readonly ApiRoute[];
    accountId?: string;
    onRequest?: (line: { method: string; path: string; statusCode: number }) => void;
  },
): Promise<void> {
  const body = await readBody(request);
  const { statusCode, headers, payload } = await answer(
    request,
    body,
    options.routes,
    options.accountId ?? LOCAL_ACCOUNT_ID,
  );
  response.writeHead(statusCode, headers);
  response.end(payload);
  options.onRequest?.({ method: request.method ?? 'GET', path: request.url ?? '/', statusCode });
}

function json(statusCode: number, message: string) {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ message }),
  };
}

async function answer(
  request: IncomingMessage,
  body: Buffer | undefined,
  routes: readonly ApiRoute[],
  accountId: string,
): Promise<{ statusCode: number; headers: Record<string, string>; payload: string | Buffer }> {
  if (body === undefined) return json(413, 'Request Too Long');
  // A request target that is no URL (e.g. `//[::`) names no route either.
  const url = URL.parse(request.url ?? '/', 'http://localhost');
  const method = request.method ?? 'GET';
  const onPath = routes.flatMap((candidate) => {
    const pathParameters =
      url && matchPath(`/${candidate.stage}${candidate.resourcePath}`, url.pathname);
    return pathParameters === undefined ? [] : [{ route: candidate, pathParameters }];
  });
  // A method defined for the resource wins over its ANY method, which takes every other one.
  const matched =
    onPath.find((candidate) => candidate.route.method === method) ??
    onPath.find((candidate) => candidate.route.method === 'ANY');
  // REST APIs answer 403 "Missing Authentication Token" for a method or path they do not define:
  // the template defines create-ami for POST only, so a GET never reaches the function there.
  if (!matched || !url) return json(403, 'Missing Authentication Token');
  const { route, pathParameters } = matched;
  let result: unknown;
  try {
    result = await withinIntegrationTimeout(
      route,
      route.invoke(toProxyEvent(request, url, body, route, accountId, pathParameters ?? null)),
    );
  } catch {
    return json(502, 'Internal server error');
  }
  if (result === TIMED_OUT) return json(504, 'Endpoint request timed out');
  const parsed = proxyResultSchema.safeParse(result);
  if (!parsed.success) return json(502, 'Internal server error');
  const headers = Object.fromEntries(
    Object.entries(parsed.data.headers ?? {}).map(([key, value]) => [key, String(value)]),
  );
  // A status or header HTTP cannot carry (e.g. a line break in a value) is a malformed result too.
  if (!isWritable(parsed.data.statusCode, headers)) return json(502, 'Internal server error');
  const payload = parsed.data.isBase64Encoded
    ? Buffer.from(parsed.data.body ?? '', 'base64')
    : (parsed.data.body ?? '');
  return { statusCode: parsed.data.statusCode, headers, payload };
}

function isWritable(statusCode: number, headers: Record<string, string>): boolean {
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 999) return false;
  try {
    for (const [name, value] of Object.entries(headers)) {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Matches a request path against a resource path whose `{name}` parts match one path segment
 * each, as API Gateway's path parameters do. Answers the parameters (null when the resource has
 * none), or undefined when the path is another resource's.
 */
export function matchPath(
  resourcePath: string,
  requestPath: string,
): Record<string, string> | null | undefined {
  const expected = resourcePath.split('/');
  const actual = requestPath.split('/');
  if (expected.length !== actual.length) return undefined;
  const parameters: Record<string, string> = {};
  for (const [index, part] of expected.entries()) {
    const segment = actual[index] ?? '';
    const name = /^\{([^}]+)\}$/.exec(part)?.[1];
    if (name === undefined) {
      if (segment !== part) return undefined;
    } else {
      if (segment === '') return undefined;
      try {
        parameters[name] = decodeURIComponent(segment);
      } catch {
        parameters[name] = segment;
      }
    }
  }
  return Object.keys(parameters).length > 0 ? parameters : null;
}

function toProxyEvent(
  request: IncomingMessage,
  url: URL,
  body: Buffer,
  route: ApiRoute,
  accountId: string,
  pathParameters: Record<string, string> | null,
): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    const name = request.rawHeaders[index] ?? '';
    const value = request.rawHeaders[index + 1] ?? '';
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  const query = [...url.searchParams.keys()];
  const text = body.toString('utf8');
  // Bodies that are not valid UTF-8 arrive base64-encoded, as with binary media types.
  const isBase64Encoded = body.length > 0 && Buffer.from(text, 'utf8').compare(body) !== 0;
  const now = new Date();
  return {
    resource: route.resourcePath,
    path: url.pathname.slice(route.stage.length + 1),
    // The request's own method: under ANY it is not the route's.
    httpMethod: request.method ?? route.method,
    headers,
    multiValueHeaders,
    queryStringParameters: query.length
      ? Object.fromEntries(query.map((key) => [key, url.searchParams.get(key) ?? '']))
      : null,
    multiValueQueryStringParameters: query.length
      ? Object.fromEntries(query.map((key) => [key, url.searchParams.getAll(key)]))
      : null,
    pathParameters,
    stageVariables: null,
    body: body.length === 0 ? null : isBase64Encoded ? body.toString('base64') : text,
    isBase64Encoded,
    requestContext: {
      accountId,
      apiId: 'local',
      authorizer: null,
      protocol: `HTTP/${request.httpVersion}`,
      httpMethod: request.method ?? route.method,
      path: url.pathname,
      stage: route.stage,
      requestId: randomUUID(),
      requestTimeEpoch: now.getTime(),
      resourceId: 'local',
      resourcePath: route.resourcePath,
      identity: {
        accessKey: null,
        accountId,
        apiKey: null,
        apiKeyId: null,
        caller: 'local',
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        user: 'local',
        userAgent: request.headers['user-agent'] ?? null,
        userArn: `arn:aws:iam::${accountId}:user/local`,
      },
    },
  };
}

/**
 * The whole body, or undefined when it is over the payload limit. Rejects when the client goes away
 * before sending all of it.
 */
function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_PAYLOAD_BYTES) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > MAX_PAYLOAD_BYTES ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
    // Closed without 'end' (and without 'error' on some paths): the body will never be complete.
    request.on('close', () => {
      if (!request.complete) reject(new Error('the client closed the connection mid-request'));
    });
  });
}

/**
 * The invocation's result, or TIMED_OUT once the integration's timeout has passed. The function
 * goes on, as Lambda's does when API Gateway stops waiting; whatever it comes to is dropped.
 */
function withinIntegrationTimeout(route: ApiRoute, invocation: Promise<unknown>): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, route.timeoutMs ?? DEFAULT_INTEGRATION_TIMEOUT_MS, TIMED_OUT);
  });
  invocation.catch(() => {}); // a failure after the timeout has no one to go to
  return Promise.race([invocation, timedOut]).finally(() => clearTimeout(timer));
}
